module sluice.dev/test/helm/schemagen

go 1.22

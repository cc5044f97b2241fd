// Command schemagen writes strict JSON schemas for the built-in Kubernetes kinds, in the layout kubeconform
// reads with -schema-location DIR (DIR/v<version>-standalone-strict/<kind>[-<group>]-<version>.json), so that
// test/helm/check.sh validates the chart's manifests offline.
//
// Source: the Kubernetes OpenAPI v3 documents that the Go module sigs.k8s.io/kubectl-validate embeds for its
// own offline validation (pkg/openapiclient/builtins/<minor>/). The module is fetched, checksum-verified, by
// `go mod download` from the Go module proxy; nothing else is downloaded. This program uses only the standard
// library, so it builds in seconds.
//
// Conversion (what kubeconform's "-strict" schemas mean): "#/components/schemas/X" refs become
// "#/definitions/X" with the referenced definitions copied into each file; every object schema that lists
// properties gets additionalProperties: false unless it preserves unknown fields; apiVersion and kind are
// pinned with enums; descriptions and x-kubernetes-* annotations are dropped. Fields are not nullable (no
// null in a manifest), except where the API says nullable.
//
//	go run . -out DIR [-kube 1.30]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

const (
	sourceModule = "sigs.k8s.io/kubectl-validate"
	sourceVer    = "v0.0.4"
	// go.sum hash of the module zip; go mod download also checks it against the checksum database.
	sourceSum = "h1:tGKuv0awYHn11Cb6KPsZKxUmHgavF46K3NvVH0Nse9U="
)

type schema = map[string]any

func main() {
	out := flag.String("out", "", "output directory (kubeconform -schema-location)")
	kube := flag.String("kube", "1.30", "Kubernetes minor version of the embedded OpenAPI documents")
	src := flag.String("src", "", "module directory of "+sourceModule+" (default: go mod download it)")
	flag.Parse()
	if *out == "" {
		fail(errors.New("-out is required"))
	}
	dir := *src
	if dir == "" {
		var err error
		if dir, err = download(); err != nil {
			fail(err)
		}
	}
	n, err := generate(filepath.Join(dir, "pkg", "openapiclient", "builtins", *kube), *out, *kube+".0")
	if err != nil {
		fail(err)
	}
	fmt.Printf("schemagen: %d schemas for Kubernetes %s from %s@%s in %s\n", n, *kube, sourceModule, sourceVer, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "schemagen:", err)
	os.Exit(1)
}

func download() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", sourceModule+"@"+sourceVer)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", sourceModule, sourceVer, err)
	}
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", err
	}
	if info.Error != "" {
		return "", errors.New(info.Error)
	}
	if info.Sum != sourceSum {
		return "", fmt.Errorf("%s@%s has checksum %s, expected %s", sourceModule, sourceVer, info.Sum, sourceSum)
	}
	return info.Dir, nil
}

// generate converts every group-version document under root (api/v1.json, apis/<group>/<version>.json).
func generate(root, out, kubeVersion string) (int, error) {
	files, err := filepath.Glob(filepath.Join(root, "api", "*.json"))
	if err != nil {
		return 0, err
	}
	groupFiles, err := filepath.Glob(filepath.Join(root, "apis", "*", "*.json"))
	if err != nil {
		return 0, err
	}
	files = append(files, groupFiles...)
	if len(files) == 0 {
		return 0, fmt.Errorf("no OpenAPI documents under %s", root)
	}
	target := filepath.Join(out, "v"+kubeVersion+"-standalone-strict")
	if err := os.MkdirAll(target, 0o755); err != nil {
		return 0, err
	}
	written := map[string]string{} // file name -> group/version/kind, to catch name collisions
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		parts := strings.Split(strings.TrimSuffix(filepath.ToSlash(rel), ".json"), "/")
		group, version := "", parts[len(parts)-1]
		if parts[0] == "apis" {
			group = parts[1]
		}
		defs, err := readComponents(file)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", rel, err)
		}
		names := make([]string, 0, len(defs))
		for name := range defs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			kind, ok := kindOf(defs[name], group, version)
			if !ok {
				continue
			}
			apiVersion := version
			fileName := strings.ToLower(kind) + "-" + version + ".json"
			if group != "" {
				apiVersion = group + "/" + version
				fileName = strings.ToLower(kind) + "-" + strings.ToLower(strings.Split(group, ".")[0]) + "-" + version + ".json"
			}
			id := apiVersion + " " + kind
			if prev, dup := written[fileName]; dup {
				if prev == id {
					continue
				}
				return 0, fmt.Errorf("%s would hold both %s and %s", fileName, prev, id)
			}
			written[fileName] = id
			doc, err := standalone(defs, name, apiVersion, kind)
			if err != nil {
				return 0, fmt.Errorf("%s %s: %w", rel, name, err)
			}
			data, err := json.Marshal(doc)
			if err != nil {
				return 0, err
			}
			if err := os.WriteFile(filepath.Join(target, fileName), data, 0o644); err != nil {
				return 0, err
			}
		}
	}
	return len(written), nil
}

func readComponents(file string) (map[string]schema, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	return doc.Components.Schemas, nil
}

// kindOf returns the kind a definition is the top-level schema of, in this document's group and version.
func kindOf(def schema, group, version string) (string, bool) {
	gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
	for _, g := range gvks {
		gvk, _ := g.(map[string]any)
		if gvk["group"] == group && gvk["version"] == version {
			kind, _ := gvk["kind"].(string)
			return kind, kind != ""
		}
	}
	return "", false
}

// standalone builds one file: the kind's schema at the root plus every definition it references.
func standalone(defs map[string]schema, root, apiVersion, kind string) (schema, error) {
	refs := map[string]bool{}
	out, err := convert(defs[root], refs)
	if err != nil {
		return nil, err
	}
	definitions := schema{}
	for pending := true; pending; {
		pending = false
		for name := range refs {
			if _, done := definitions[name]; done {
				continue
			}
			def, ok := defs[name]
			if !ok {
				return nil, fmt.Errorf("dangling reference to %s", name)
			}
			converted, err := convert(def, refs)
			if err != nil {
				return nil, err
			}
			definitions[name] = converted
			pending = true
		}
	}
	props, _ := out["properties"].(schema)
	if props == nil {
		return nil, errors.New("top-level schema has no properties")
	}
	props["apiVersion"] = schema{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = schema{"type": "string", "enum": []any{kind}}
	out["required"] = mergeRequired(out["required"], "apiVersion", "kind")
	out["$schema"] = "http://json-schema.org/draft-04/schema#"
	if len(definitions) > 0 {
		out["definitions"] = definitions
	}
	return out, nil
}

func mergeRequired(existing any, names ...string) []any {
	seen := map[string]bool{}
	var req []any
	list, _ := existing.([]any)
	for _, v := range append(list, toAny(names)...) {
		if s, ok := v.(string); ok && !seen[s] {
			seen[s] = true
			req = append(req, s)
		}
	}
	return req
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

const refPrefix = "#/components/schemas/"

// convert turns one OpenAPI v3 schema into a strict draft-04 schema, collecting the definitions it refers to.
func convert(in schema, refs map[string]bool) (schema, error) {
	out := schema{}
	preserveUnknown, _ := in["x-kubernetes-preserve-unknown-fields"].(bool)
	for key, value := range in {
		switch {
		case key == "description" || key == "default" || key == "example" || key == "discriminator" ||
			strings.HasPrefix(key, "x-"):
			// annotations only
		case key == "$ref":
			ref, _ := value.(string)
			if !strings.HasPrefix(ref, refPrefix) {
				return nil, fmt.Errorf("unsupported reference %q", ref)
			}
			name := strings.TrimPrefix(ref, refPrefix)
			refs[name] = true
			out["$ref"] = "#/definitions/" + name
		case key == "properties":
			props, _ := value.(map[string]any)
			converted := schema{}
			for name, p := range props {
				ps, _ := p.(map[string]any)
				c, err := convert(ps, refs)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				converted[name] = c
			}
			out["properties"] = converted
		case key == "items" || key == "not" || (key == "additionalProperties" && isObject(value)):
			c, err := convert(value.(map[string]any), refs)
			if err != nil {
				return nil, err
			}
			out[key] = c
		case key == "allOf" || key == "oneOf" || key == "anyOf":
			list, _ := value.([]any)
			converted := make([]any, 0, len(list))
			for _, item := range list {
				c, err := convert(item.(map[string]any), refs)
				if err != nil {
					return nil, err
				}
				converted = append(converted, c)
			}
			out[key] = converted
		case key == "nullable":
			// applied below
		default:
			out[key] = value
		}
	}
	// In draft-04 a $ref ignores its siblings: keep them in an allOf beside it.
	if ref, ok := out["$ref"]; ok && len(out) > 1 {
		delete(out, "$ref")
		out["allOf"] = append([]any{schema{"$ref": ref}}, asList(out["allOf"])...)
	}
	if intOrString, _ := in["x-kubernetes-int-or-string"].(bool); intOrString {
		delete(out, "type")
		delete(out, "format")
		out["oneOf"] = []any{schema{"type": "integer"}, schema{"type": "string"}}
	}
	if _, hasProps := out["properties"]; hasProps && !preserveUnknown {
		if _, set := out["additionalProperties"]; !set {
			out["additionalProperties"] = false
		}
	}
	if nullable, _ := in["nullable"].(bool); nullable {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
	}
	return out, nil
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

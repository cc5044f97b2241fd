{{/* Chart name, truncated to the 63 characters Kubernetes names allow. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sluice.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ include "sluice.chart" . }}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Application id = consumer group id; defaults to the full name. */}}
{{- define "sluice.applicationId" -}}
{{- default (include "sluice.fullname" .) .Values.applicationId }}
{{- end }}

{{/* Brokers as one comma-separated string, from a string or a list. */}}
{{- define "sluice.brokers" -}}
{{- if kindIs "slice" .Values.kafka.brokers }}
{{- join "," .Values.kafka.brokers }}
{{- else }}
{{- .Values.kafka.brokers }}
{{- end }}
{{- end }}

{{- define "sluice.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "sluice.headlessServiceName" -}}
{{- printf "%s-headless" (include "sluice.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{- define "sluice.stateDir" -}}/var/lib/sluice{{- end }}
{{- define "sluice.kafkaCaDir" -}}/etc/sluice/kafka-ca{{- end }}
{{/* Passwords are mounted from their Secrets as files and passed with --*-password-file: not in env or `ps`. */}}
{{- define "sluice.kafkaSaslDir" -}}/etc/sluice/kafka-sasl{{- end }}
{{- define "sluice.schemaRegistryDir" -}}/etc/sluice/schema-registry{{- end }}

{{/* Checks across values that the schema cannot express; fails rendering with a clear message. */}}
{{- define "sluice.validate" -}}
{{- if and .Values.persistence.enabled (ne .Values.workload.kind "StatefulSet") }}
{{- fail "persistence.enabled needs workload.kind: StatefulSet (a Deployment's pods would share one volume)" }}
{{- end }}
{{- if and .Values.kafka.sasl.mechanism (not .Values.kafka.sasl.existingSecret) }}
{{- fail "kafka.sasl.mechanism is set: kafka.sasl.existingSecret must name a Secret with the keys username and password" }}
{{- end }}
{{- if and (eq .Values.kafka.sasl.mechanism "plain") (not .Values.kafka.tls.enabled) (not .Values.kafka.sasl.allowPlaintext) }}
{{- fail "kafka.sasl.mechanism plain without kafka.tls.enabled sends the password in clear: enable TLS, or set kafka.sasl.allowPlaintext on a trusted network" }}
{{- end }}
{{- if and .Values.kafka.tls.caSecret (not .Values.kafka.tls.enabled) }}
{{- fail "kafka.tls.caSecret is set but kafka.tls.enabled is false" }}
{{- end }}
{{- if le (mul (int .Values.terminationGracePeriodSeconds) 1000) (int .Values.shutdownTimeoutMs) }}
{{- fail (printf "terminationGracePeriodSeconds (%v s) must exceed shutdownTimeoutMs (%v ms), or Kubernetes kills sluice before it drains" .Values.terminationGracePeriodSeconds .Values.shutdownTimeoutMs) }}
{{- end }}
{{- if and .Values.keda.enabled (gt (int .Values.keda.minReplicas) (int .Values.keda.maxReplicas)) }}
{{- fail "keda.minReplicas must not exceed keda.maxReplicas" }}
{{- end }}
{{- if empty (include "sluice.brokers" . | trim) }}
{{- fail "kafka.brokers is empty: set the bootstrap brokers" }}
{{- end }}
{{- end }}

{{/* The pod template shared by the Deployment and the StatefulSet. */}}
{{- define "sluice.podTemplate" -}}
metadata:
  labels:
    {{- include "sluice.labels" . | nindent 4 }}
  annotations:
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "sluice.serviceAccountName" . }}
  automountServiceAccountToken: false
  # No docker-link style env vars: a Service named e.g. "sluice" would inject SLUICE_PORT and friends.
  enableServiceLinks: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: sluice
      image: {{ include "sluice.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - {{ .Values.topology.file | quote }}
        {{- if .Values.kafka.sasl.existingSecret }}
        - --kafka-sasl-password-file
        - {{ printf "%s/password" (include "sluice.kafkaSaslDir" .) | quote }}
        {{- end }}
        {{- if .Values.schemaRegistry.existingSecret }}
        - --schema-registry-password-file
        - {{ printf "%s/password" (include "sluice.schemaRegistryDir" .) | quote }}
        {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.http.port }}
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "sluice.fullname" . }}
      env:
        - name: SLUICE_INSTANCE_ID
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        {{- with .Values.kafka.sasl.existingSecret }}
        - name: SLUICE_KAFKA_SASL_USERNAME
          valueFrom:
            secretKeyRef:
              name: {{ . }}
              key: username
        {{- end }}
        {{- with .Values.schemaRegistry.existingSecret }}
        - name: SLUICE_SCHEMA_REGISTRY_USERNAME
          valueFrom:
            secretKeyRef:
              name: {{ . }}
              key: username
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.probes.startup }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.probes.liveness }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.probes.readiness }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: state
          mountPath: {{ include "sluice.stateDir" . }}
        {{- if .Values.topology.configMap }}
        - name: topologies
          mountPath: /app/topologies
          readOnly: true
        {{- end }}
        {{- if .Values.kafka.tls.caSecret }}
        - name: kafka-ca
          mountPath: {{ include "sluice.kafkaCaDir" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.kafka.sasl.existingSecret }}
        - name: kafka-sasl
          mountPath: {{ include "sluice.kafkaSaslDir" . }}
          readOnly: true
        {{- end }}
        {{- if .Values.schemaRegistry.existingSecret }}
        - name: schema-registry
          mountPath: {{ include "sluice.schemaRegistryDir" . }}
          readOnly: true
        {{- end }}
  volumes:
    - name: tmp
      emptyDir: {}
    {{- if not (and (eq .Values.workload.kind "StatefulSet") .Values.persistence.enabled) }}
    - name: state
      emptyDir: {}
    {{- end }}
    {{- with .Values.topology.configMap }}
    - name: topologies
      configMap:
        name: {{ . }}
    {{- end }}
    {{- with .Values.kafka.tls.caSecret }}
    - name: kafka-ca
      secret:
        secretName: {{ . }}
        items:
          - key: ca.crt
            path: ca.crt
    {{- end }}
    {{- with .Values.kafka.sasl.existingSecret }}
    - name: kafka-sasl
      secret:
        secretName: {{ . }}
        items:
          - key: password
            path: password
    {{- end }}
    {{- with .Values.schemaRegistry.existingSecret }}
    - name: schema-registry
      secret:
        secretName: {{ . }}
        items:
          - key: password
            path: password
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

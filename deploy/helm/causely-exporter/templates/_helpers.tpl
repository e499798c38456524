{{/* Names, labels and the decisions several templates share. */}}

{{- define "causely-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "causely-exporter.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "causely-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "causely-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "causely-exporter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "causely-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: causely-exporter
{{- end -}}

{{/* The scrape job's name: the ServiceMonitor takes it from the Service's name label. */}}
{{- define "causely-exporter.job" -}}
{{- include "causely-exporter.name" . -}}
{{- end -}}

{{- define "causely-exporter.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "causely-exporter.configMapName" -}}
{{- default (include "causely-exporter.fullname" .) .Values.existingConfigMap -}}
{{- end -}}

{{- define "causely-exporter.credentialsSecretName" -}}
{{- if .Values.credentials.create -}}
{{- printf "%s-credentials" (include "causely-exporter.fullname" .) -}}
{{- else -}}
{{- .Values.credentials.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* Whether --web.config.file is given, and the Secret that holds it. */}}
{{- define "causely-exporter.webConfigEnabled" -}}
{{- if or .Values.web.existingSecret .Values.web.config -}}true{{- end -}}
{{- end -}}

{{- define "causely-exporter.webSecretName" -}}
{{- default (printf "%s-web-config" (include "causely-exporter.fullname" .)) .Values.web.existingSecret -}}
{{- end -}}

{{- define "causely-exporter.scheme" -}}
{{- if .Values.web.tls.enabled -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{- define "causely-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "causely-exporter.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The bridge is on: the config has an alertmanager section (or the values say so). */}}
{{- define "causely-exporter.bridge" -}}
{{- if or .Values.prometheusRule.bridge (and (not .Values.existingConfigMap) (hasKey .Values.config "alertmanager")) -}}true{{- end -}}
{{- end -}}

{{/* The exporter's config file, as the ConfigMap holds it. */}}
{{- define "causely-exporter.configYaml" -}}
{{- toYaml .Values.config -}}
{{- end -}}

{{/* Refuses combinations the schema cannot express, with a message that says what to do. */}}
{{- define "causely-exporter.validate" -}}
{{- if and .Values.web.tls.enabled (not (include "causely-exporter.webConfigEnabled" .)) -}}
{{- fail "web.tls.enabled: the exporter serves TLS only through a web config: set web.config.tls_server_config or web.existingSecret" -}}
{{- end -}}
{{- if and .Values.web.config (hasKey .Values.web.config "tls_server_config") (not .Values.web.tls.enabled) -}}
{{- fail "web.config.tls_server_config is set: set web.tls.enabled true so that the probes and the ServiceMonitor use HTTPS" -}}
{{- end -}}
{{- if and .Values.web.tls.enabled (not .Values.web.tls.secretName) (not .Values.serviceMonitor.tlsConfig) .Values.serviceMonitor.enabled -}}
{{- fail "web.tls.enabled with serviceMonitor.enabled: set web.tls.secretName (its ca.crt verifies the exporter) or serviceMonitor.tlsConfig" -}}
{{- end -}}
{{- if and .Values.serviceMonitor.enabled .Values.web.config (hasKey .Values.web.config "basic_auth_users") (not .Values.serviceMonitor.basicAuth) -}}
{{- fail "web.config.basic_auth_users is set: set serviceMonitor.basicAuth so that Prometheus can scrape" -}}
{{- end -}}
{{- if and .Values.credentials.create (not .Values.credentials.data) -}}
{{- fail "credentials.create: put the keys in credentials.data (client_id, client_secret, ...)" -}}
{{- end -}}
{{- if and (not .Values.credentials.create) (not .Values.credentials.existingSecret) -}}
{{- fail "credentials: name an existingSecret or set create: true with data" -}}
{{- end -}}
{{- end -}}

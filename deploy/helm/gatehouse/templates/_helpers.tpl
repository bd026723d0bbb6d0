{{/* The chart's name, or nameOverride. */}}
{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource names: <release>-gatehouse, or the release name alone when it already says gatehouse. */}}
{{- define "gatehouse.fullname" -}}
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

{{- define "gatehouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
What selects the broker's pods. The component label keeps them apart from the agents' pods that
agent mode will add to this chart.
*/}}
{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: broker
{{- end }}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ include "gatehouse.chart" . }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gatehouse.secretName" -}}
{{- default (include "gatehouse.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* Where the image's default command, and so this chart, expects the configuration. */}}
{{- define "gatehouse.configDir" -}}/etc/gatehouse{{- end }}

{{- define "gatehouse.port" -}}
{{- ((.Values.config.server).port) | default 8080 | int }}
{{- end }}

{{/*
gatehouse.yaml: .Values.config, plus temporal.tls reading the mounted Secret's files when
temporalTls is enabled and the configuration does not say otherwise.
*/}}
{{- define "gatehouse.configYaml" -}}
{{- $config := deepCopy .Values.config }}
{{- $tls := .Values.temporalTls }}
{{- if $tls.enabled }}
{{- $temporal := required "temporalTls.enabled needs a config.temporal section" $config.temporal }}
{{- if not (hasKey $temporal "tls") }}
{{- $files := dict }}
{{- if $tls.serverCaKey }}
{{- $_ := set $files "serverCa" (printf "${file:%s/%s}" $tls.mountPath $tls.serverCaKey) }}
{{- end }}
{{- if $tls.clientCertKey }}
{{- $_ := set $files "clientCert" (printf "${file:%s/%s}" $tls.mountPath $tls.clientCertKey) }}
{{- end }}
{{- if $tls.clientKeyKey }}
{{- $_ := set $files "clientKey" (printf "${file:%s/%s}" $tls.mountPath $tls.clientKeyKey) }}
{{- end }}
{{- if $tls.serverName }}
{{- $_ := set $files "serverName" $tls.serverName }}
{{- end }}
{{- $_ := set $temporal "tls" $files }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/*
The pods' checksum/config annotation: gatehouse.yaml without its policies. The broker reloads
changed policies from the mounted file by itself, so a policy edit need not restart the pods and
end their held gated calls; every other section is read only at start-up, so a change to it must.
*/}}
{{- define "gatehouse.configChecksum" -}}
{{- omit (include "gatehouse.configYaml" . | fromYaml) "policies" | toYaml | sha256sum }}
{{- end }}

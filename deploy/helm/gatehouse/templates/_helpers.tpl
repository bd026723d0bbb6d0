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
What selects the broker's pods. The component label keeps them apart from the agents' pods, so the
broker's Service, PodDisruptionBudget and topology spread never count an agent.
*/}}
{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: broker
{{- end }}

{{/* What selects the agents' pods (agent.enabled): the broker's labels but for the component. */}}
{{- define "gatehouse.agentSelectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end }}

{{/* Labels of every resource, without a component: the service account both kinds of pod use. */}}
{{- define "gatehouse.commonLabels" -}}
helm.sh/chart: {{ include "gatehouse.chart" . }}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "gatehouse.labels" -}}
{{ include "gatehouse.commonLabels" . }}
app.kubernetes.io/component: broker
{{- end }}

{{- define "gatehouse.agentLabels" -}}
{{ include "gatehouse.commonLabels" . }}
app.kubernetes.io/component: agent
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

{{/* The agents' Secret: their own, since it holds the upstreams' credentials the brokers never see. */}}
{{- define "gatehouse.agentSecretName" -}}
{{- default (printf "%s-agent" (include "gatehouse.fullname" .)) .Values.agent.existingSecret }}
{{- end }}

{{/* Where the image's default command, and so this chart, expects the configuration. */}}
{{- define "gatehouse.configDir" -}}/etc/gatehouse{{- end }}

{{/* The agents' file: a directory of its own, so nothing of the broker's is ever read there. */}}
{{- define "gatehouse.agentConfigDir" -}}/etc/gatehouse-agent{{- end }}

{{- define "gatehouse.port" -}}
{{- ((.Values.config.server).port) | default 8080 | int }}
{{- end }}

{{/*
A configuration with temporal.tls reading the mounted Secret's files when its temporalTls is enabled
and the configuration does not say otherwise. Takes (dict "config" … "tls" … "prefix" …), prefix
being where those values sit ("" for the broker's, "agent." for the agents').
*/}}
{{- define "gatehouse.withTemporalTls" -}}
{{- $config := deepCopy .config }}
{{- $tls := .tls }}
{{- if $tls.enabled }}
{{- $temporal := required (printf "%stemporalTls.enabled needs a %sconfig.temporal section" .prefix .prefix) $config.temporal }}
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

{{/* gatehouse.yaml: .Values.config, with temporalTls. */}}
{{- define "gatehouse.configYaml" -}}
{{- include "gatehouse.withTemporalTls" (dict "config" .Values.config "tls" .Values.temporalTls "prefix" "") }}
{{- end }}

{{/* agent.yaml: .Values.agent.config, with agent.temporalTls. */}}
{{- define "gatehouse.agentConfigYaml" -}}
{{- include "gatehouse.withTemporalTls" (dict "config" .Values.agent.config "tls" .Values.agent.temporalTls "prefix" "agent.") }}
{{- end }}

{{/*
The pods' checksum/config annotation: gatehouse.yaml without its policies. The broker reloads
changed policies from the mounted file by itself, so a policy edit need not restart the pods and
end their held gated calls; every other section is read only at start-up, so a change to it must.
*/}}
{{- define "gatehouse.configChecksum" -}}
{{- omit (include "gatehouse.configYaml" . | fromYaml) "policies" | toYaml | sha256sum }}
{{- end }}

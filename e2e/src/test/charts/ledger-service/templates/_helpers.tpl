{{- define "ledger.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ledger.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ledger.labels" -}}
{{ include "ledger.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ledger.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* A hook Job; args: dict "root" . "name" "migration" "events" "..." "weight" "-5" "deletePolicy" "..." "deadline" N "gates" [...] "backoffLimit" N */}}
{{- define "ledger.hookJob" -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .name }}
  labels:
    {{- include "ledger.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  annotations:
    "helm.sh/hook": {{ .events }}
    "helm.sh/hook-weight": {{ .weight | quote }}
    "helm.sh/hook-delete-policy": {{ .deletePolicy }}
spec:
  backoffLimit: {{ .backoffLimit | default 3 }}
  {{- if .deadline }}
  activeDeadlineSeconds: {{ .deadline }}
  {{- end }}
  template:
    metadata:
      labels:
        app.kubernetes.io/component: {{ .component }}
    spec:
      restartPolicy: OnFailure
      {{- with .gates }}
      schedulingGates:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "ledger.image" .root | quote }}
          command: {{ toJson .command }}
          resources:
            {{- toYaml .root.Values.resources | nindent 12 }}
{{- end -}}

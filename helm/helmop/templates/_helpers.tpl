{{/* The chart name, or nameOverride. */}}
{{- define "helmop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the objects: fullnameOverride, else "<release>-<name>", or just the release name when it
already contains the chart name (so `helm install helmop` gives "helmop", not "helmop-helmop").
Truncated to 63 characters (the DNS label limit).
*/}}
{{- define "helmop.fullname" -}}
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

{{/* "name-version" of the chart, for the helm.sh/chart label. */}}
{{- define "helmop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "helmop.labels" -}}
helm.sh/chart: {{ include "helmop.chart" . }}
{{ include "helmop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels the Deployment selects its pod by. Immutable once installed: never add to them. */}}
{{- define "helmop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "helmop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The operator's ServiceAccount name. */}}
{{- define "helmop.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "helmop.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The container image: repository@digest, else repository:tag (tag defaults to the appVersion). */}}
{{- define "helmop.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/* The leader-election Lease's name: leaderElection.leaseName, else the full name. */}}
{{- define "helmop.leaseName" -}}
{{- default (include "helmop.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/* The leader-election Lease's namespace: leaderElection.leaseNamespace, else the release namespace. */}}
{{- define "helmop.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace }}
{{- end }}

{{/* The label that tells the metrics Service from other Services of the release (the ServiceMonitor selects it). */}}
{{- define "helmop.metricsLabel" -}}
helmop.io/endpoint: metrics
{{- end }}

{{/* Lockdown: releases never act with the operator's rights, so the operator needs few of its own. */}}
{{- define "helmop.lockdown" -}}
{{- if .Values.operator.defaultServiceAccount }}true{{ end }}
{{- end }}

{{/*
The operator's own PolicyRules, for its ClusterRole or its namespaced Roles. Every request made for a release
impersonates the release's ServiceAccount when it has one; in lockdown every release has one, and the operator
needs nothing beyond its HelmReleases, Events and impersonation.
*/}}
{{- define "helmop.rules" -}}
# The HelmReleases it reconciles, their status, and its finalizer (helmop.io/uninstall).
- apiGroups: ["helmop.io"]
  resources: ["helmreleases"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: ["helmop.io"]
  resources: ["helmreleases/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["helmop.io"]
  resources: ["helmreleases/finalizers"]
  verbs: ["update", "patch"]
# Events on HelmReleases (core and events.k8s.io APIs). helmop reads its own Event back and updates its count
# when the same thing happens again.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "create", "update", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
# Acting as a release's ServiceAccount (spec.serviceAccountName, operator.defaultServiceAccount). The API
# server adds the ServiceAccount's own groups; no group is impersonated.
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["impersonate"]
{{- if not (include "helmop.lockdown" .) }}
# Releases without a ServiceAccount act with the operator's rights: Helm stores each release revision as a
# Secret in the target namespace (Helm creates and updates them, uninstall deletes them, and helmop reads them
# and prunes old ones, spec.maxHistory); spec.chart.secretRef and spec.valuesFrom Secrets are read too.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# spec.valuesFrom ConfigMaps: read, and watched so that an edit wakes the release.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch"]
{{- if eq .Values.rbac.scope "cluster" }}
# spec.install.createNamespace.
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch", "create"]
{{- end }}
{{- end }}
{{- if eq .Values.rbac.scope "cluster" }}
# Reading CRDs (the preflight tells a missing CRD from a kind the chart installs itself).
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["get", "list"]
{{- end }}
{{- with .Values.rbac.extraRules }}
# rbac.extraRules
{{ toYaml . }}
{{- end }}
{{- end }}

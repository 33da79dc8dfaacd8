//go:build tools

// Package tools keeps the main packages built by e2e/cluster.sh in go.mod/go.sum
// (go mod tidy would otherwise drop them).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)

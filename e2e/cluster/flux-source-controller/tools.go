//go:build tools

// Package tools keeps the main package built by e2e/bench.sh in go.mod/go.sum
// (go mod tidy would otherwise drop it).
package tools

import _ "github.com/fluxcd/source-controller"

// Command registry is the CNCF distribution registry (an OCI registry) for
// the helmop end-to-end tests, built with only what they use: filesystem
// storage and htpasswd authentication. The upstream command also links the
// S3, GCS and Azure storage drivers, which would multiply the download and
// the build time (see README.md beside this folder).
package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}

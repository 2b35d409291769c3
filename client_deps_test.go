package facturo_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestClientDependsOnTheStandardLibraryOnly keeps the SDK a public package
// of its own: a program that imports it must not inherit the server's
// internals, NATS, pgx or bcrypt.
func TestClientDependsOnTheStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./client/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.HasPrefix(pkg, "github.com/facturo/facturo/client") {
			t.Errorf("client depends on %s", pkg)
		}
	}
}

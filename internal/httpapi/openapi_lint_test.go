package httpapi

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/postgres"
)

// redoclyCLI is the linter outside tools judge the document with (a
// property-based tester generating requests from it found real gaps).
const redoclyCLI = "@redocly/cli@2.77.0"

// TestOpenAPIPassesRedoclyLint runs redocly's recommended rules on the
// served document, where npx is available (skipped otherwise, or when the
// npm registry cannot be reached).
func TestOpenAPIPassesRedoclyLint(t *testing.T) {
	if testing.Short() {
		t.Skip("needs npx and the npm registry")
	}
	npx, err := exec.LookPath("npx")
	if err != nil {
		t.Skip("npx not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, npx, "--yes", redoclyCLI, "--version").CombinedOutput(); err != nil {
		t.Skipf("%s not available: %v\n%s", redoclyCLI, err, out)
	}
	doc, err := json.Marshal(New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)}).OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, npx, "--yes", redoclyCLI, "lint", "--format=stylish", path).CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
}

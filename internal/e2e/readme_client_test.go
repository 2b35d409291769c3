package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/client"
)

// The README's Go SDK program works as written from another module: it is
// cut out of README.md, put in a module of its own that requires
// github.com/facturo/facturo (replaced by this checkout), built and vetted
// with the network off (GOPROXY=off: the SDK needs nothing but the
// standard library), then run against a live system through the proxy
// that validates every answer.
func TestReadmeClientProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module and starts a system")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeReadmeFile(t, filepath.Join(dir, "main.go"), readmeProgram(t, filepath.Join(root, "README.md")))
	writeReadmeFile(t, filepath.Join(dir, "go.mod"), "module example.com/readme\n\ngo 1.26\n\n"+
		"require github.com/facturo/facturo v0.0.0\n\nreplace github.com/facturo/facturo => "+root+"\n")
	bin := filepath.Join(dir, "readme")
	runGoOffline(t, goTool, dir, "build", "-o", bin, ".")
	runGoOffline(t, goTool, dir, "vet", ".")

	s := startSystem(t)
	tk := s.newTenant("readme@example.com")
	ctx := context.Background()
	c := s.client(tk.test)
	cust, err := c.Clients.Create(ctx, client.ClientInput{LegalName: "Readme SA", TaxID: "AAA010101AAA"})
	noErr(t, err)
	inv, err := c.Invoices.Create(ctx, client.InvoiceInput{Client: cust.ID, PaymentForm: "03", Items: []client.ItemInput{
		{Product: client.InlineProduct(client.ProductInput{Description: "Hour", Price: "100.00"}), Quantity: "2"},
	}})
	noErr(t, err)
	eventually(t, "the invoice listed", func() bool {
		p, err := c.Invoices.List(ctx, client.ListParams{})
		noErr(t, err)
		return len(p.Data) > 0
	})

	runCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(runCtx, bin)
	cmd.Env = append(os.Environ(), "FACTURO_URL="+s.proxy(), "FACTURO_KEY="+tk.test)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README program failed: %v\n%s", err, out)
	}
	for _, want := range []string{"created client cli_", inv.ID + " draft 200.00 MXN"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the README program's output lacks %q:\n%s", want, out)
		}
	}
}

// readmeProgram is the Go block between the readme-go-client markers.
func readmeProgram(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- readme-go-client:begin -->\\s*```go\n(.*?)```\\s*<!-- readme-go-client:end -->").FindSubmatch(b)
	if m == nil {
		t.Fatal("README.md has no Go program between <!-- readme-go-client:begin --> and <!-- readme-go-client:end -->")
	}
	return string(m[1])
}

func writeReadmeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runGoOffline runs the go command in dir without the network or a workspace.
func runGoOffline(t *testing.T, goTool, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(goTool, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

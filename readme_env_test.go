package facturo_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEveryEnvironmentVariableIsDocumented keeps the README's
// configuration table equal to what the code reads: a variable read with
// getenv/Getenv/LookupEnv (or named by an Env* constant) outside tests is
// in the table, and every variable in the table is read somewhere.
func TestEveryEnvironmentVariableIsDocumented(t *testing.T) {
	read := readEnvironmentVariables(t)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = true
	}
	for name := range read {
		if !documented[name] {
			t.Errorf("%s is read from the environment but not in the README's configuration table", name)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("%s is in the README's configuration table but nothing reads it", name)
		}
	}
	if len(read) < 10 {
		t.Fatalf("found only %v: the scan is broken", slices.Sorted(maps.Keys(read)))
	}
}

// readEnvironmentVariables scans the non-test Go files for variable names
// passed as string literals to a function whose name ends in "etenv" or is
// LookupEnv, and for string constants named Env*.
func readEnvironmentVariables(t *testing.T) map[string]bool {
	t.Helper()
	found := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			collectEnvName(n, found)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func collectEnvName(n ast.Node, found map[string]bool) {
	switch n := n.(type) {
	case *ast.CallExpr:
		var name string
		switch fn := n.Fun.(type) {
		case *ast.Ident:
			name = fn.Name
		case *ast.SelectorExpr:
			name = fn.Sel.Name
		}
		if (strings.HasSuffix(name, "etenv") || name == "LookupEnv") && len(n.Args) == 1 {
			addLiteral(n.Args[0], found)
		}
	case *ast.ValueSpec:
		for i, id := range n.Names {
			if strings.HasPrefix(id.Name, "Env") && i < len(n.Values) {
				addLiteral(n.Values[i], found)
			}
		}
	}
}

func addLiteral(e ast.Expr, found map[string]bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return
	}
	if s, err := strconv.Unquote(lit.Value); err == nil {
		found[s] = true
	}
}

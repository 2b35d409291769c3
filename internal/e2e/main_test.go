package e2e

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestMain runs the package's tests, then, when all of them ran and
// passed, fails if an operation of the OpenAPI document was never answered
// with a success that matched it: a new route needs a test that calls it,
// through the validating harness, at least once.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && wholePackageRan() {
		code = checkSpecCoverage()
	}
	os.Exit(code)
}

// wholePackageRan is false when flags selected some tests only: one test
// alone cannot cover the document.
func wholePackageRan() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return true
}

func checkSpecCoverage() int {
	specMu.Lock()
	sp := specLoaded
	specMu.Unlock()
	if sp == nil {
		fmt.Fprintln(os.Stderr, "FAIL: no test loaded the OpenAPI document, so no answer was validated")
		return 1
	}
	missing := answered.missing(sp)
	total := len(sp.ops)
	fmt.Printf("OpenAPI: %d of %d operations answered with a success that matched the document\n", total-len(missing), total)
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: never answered with a success that matched the document (call each from a test, through system.call or system.client):\n\t%s\n",
			strings.Join(missing, "\n\t"))
		return 1
	}
	return 0
}

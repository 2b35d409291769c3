package httpapi

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Every code of errorTable has its anchor in docs/errors.md, so that
// doc_url (DocURL + code) points to an explanation, and its row shows the
// status the table answers.
func TestEveryErrorCodeIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, code := range ErrorCodes() {
		if !strings.Contains(doc, fmt.Sprintf(`<a id="%s"></a>`, code)) {
			t.Errorf("docs/errors.md has no anchor for %s (doc_url .../docs/errors#%s)", code, code)
		}
		row := fmt.Sprintf("| [`%s`](#%s) | %d | %s |", code, code, errorTable[code].status, errorTable[code].typ)
		if !strings.Contains(doc, row) {
			t.Errorf("docs/errors.md lacks the row %s", row)
		}
	}
}

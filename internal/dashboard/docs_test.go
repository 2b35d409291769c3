package dashboard_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// docs/dashboard.md shows every screenshot make screenshots writes, and
// each image it shows exists.
func TestDashboardDocShowsEveryScreenshot(t *testing.T) {
	doc, err := os.ReadFile("../../docs/dashboard.md")
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, m := range regexp.MustCompile(`!\[[^\]]+\]\(screenshots/([a-z-]+\.png)\)`).FindAllStringSubmatch(string(doc), -1) {
		shown[m[1]] = true
		if _, err := os.Stat(filepath.Join("../../docs/screenshots", m[1])); err != nil {
			t.Errorf("docs/dashboard.md shows %s: %v", m[1], err)
		}
	}
	files, err := filepath.Glob("../../docs/screenshots/*.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !shown[filepath.Base(f)] {
			t.Errorf("docs/dashboard.md does not show %s", filepath.Base(f))
		}
	}
	if len(shown) < 8 {
		t.Errorf("docs/dashboard.md shows %d screenshots", len(shown))
	}
}

package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is wrapped by BinDir when no PostgreSQL server binaries can be
// found. Its text tells a newcomer what to do about it.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found: install them with " +
	"`apt-get install postgresql` (Debian/Ubuntu) or set DATABASE_URL")

// debianBinGlob is where Debian and Ubuntu install one directory per major
// version; pg_config is often missing there (it ships in libpq-dev).
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// BinDir returns the directory holding the PostgreSQL server binaries
// (postgres, initdb): the one `pg_config --bindir` names, else the highest
// version under /usr/lib/postgresql.
func BinDir() (string, error) {
	return binDir(debianBinGlob)
}

func binDir(glob string) (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if hasServer(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(glob)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, dir := range dirs {
		if hasServer(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("pgcluster: %w (looked at `pg_config --bindir` and %s)", ErrNoBinaries, glob)
}

// hasServer reports whether dir holds both binaries Start runs.
func hasServer(dir string) bool {
	for _, name := range []string{"postgres", "initdb"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// majorOf extracts the version from .../postgresql/<version>/bin; 0 when it
// is not a number, so such directories sort last.
func majorOf(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return 0
	}
	return v
}

// Package migrations holds the numbered SQL migrations, applied by goose at
// start-up and by `worker migrate`. Files are never edited once released:
// a change is a new file.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS

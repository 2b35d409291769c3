// Package docs holds the guides of this directory, embedded so that the API
// can serve them at /docs/: every error's doc_url points at its section of
// errors.md there, on the server that answered.
package docs

import "embed"

// Pages are the guides, by file name ("errors.md").
//
//go:embed *.md
var Pages embed.FS

// Images are what the guides show, by path ("screenshots/keys.png"): the
// dashboard's screenshots that make screenshots writes.
//
//go:embed screenshots/*.png
var Images embed.FS

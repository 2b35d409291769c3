package verifactu

import (
	"context"
	"fmt"
)

// Break is the first broken link of a chain.
type Break struct {
	RecordID string
	Sequence int64
	Reason   string // what is wrong, in words
	Expected string // the fingerprint (or previous fingerprint) the link should hold
	Stored   string // the one it holds
}

func (b *Break) Error() string {
	return fmt.Sprintf("record %s (#%d): %s: expected %s, stored %s", b.RecordID, b.Sequence, b.Reason, b.Expected, b.Stored)
}

// Verify walks records of one chain in sequence order, starting at the
// first, and returns the first broken link, nil when every record is in
// its place, names the previous record's fingerprint and holds the
// fingerprint of its own fields.
func Verify(records []Record) *Break {
	var prev *Record
	for i := range records {
		if b := Check(prev, &records[i]); b != nil {
			return b
		}
		prev = &records[i]
	}
	return nil
}

// Check verifies one record against the one before it (nil for the first
// record of a chain); Verify calls it for each link, and a reader that
// pages through a long chain calls it with the last record of the page
// before.
func Check(prev, r *Record) *Break {
	wantSeq, wantPrev := int64(1), ""
	if prev != nil {
		wantSeq, wantPrev = prev.Sequence+1, prev.Hash
	}
	switch {
	case r.Sequence != wantSeq:
		return &Break{RecordID: r.ID, Sequence: r.Sequence, Reason: "a record is missing before it",
			Expected: fmt.Sprintf("#%d", wantSeq), Stored: fmt.Sprintf("#%d", r.Sequence)}
	case r.PreviousHash != wantPrev:
		return &Break{RecordID: r.ID, Sequence: r.Sequence, Reason: "its previous fingerprint is not the previous record's",
			Expected: orNone(wantPrev), Stored: orNone(r.PreviousHash)}
	}
	return checkFingerprint(r)
}

// checkFingerprint is the break of a record whose fingerprint is not the
// one of its fields (with the previous fingerprint it names), nil when it
// is.
func checkFingerprint(r *Record) *Break {
	if want := Fingerprint(r.Entry, r.PreviousHash); r.Hash != want {
		return &Break{RecordID: r.ID, Sequence: r.Sequence, Reason: "its fingerprint does not match its fields",
			Expected: want, Stored: r.Hash}
	}
	return nil
}

func orNone(h string) string {
	if h == "" {
		return "(none: first record)"
	}
	return h
}

// Head is where a chain's writers last left it: its last record's
// sequence and fingerprint (0 and "" before the first record).
type Head struct {
	Sequence int64
	Hash     string
}

// VerifyAll walks a whole chain page by page: read returns the records
// after a sequence, in order, and none at the end. Each record is checked
// against the one before it, across pages, and the last one against the
// chain's head, so that records removed from the end are found too. It
// returns how many records it checked and the first broken link.
func VerifyAll(ctx context.Context, head Head, read func(ctx context.Context, after int64) ([]Record, error)) (int64, *Break, error) {
	var prev *Record
	var n int64
	for {
		page, err := read(ctx, n)
		if err != nil {
			return n, nil, err
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			if b := Check(prev, &page[i]); b != nil {
				return n, b, nil
			}
			prev, n = &page[i], page[i].Sequence
		}
	}
	if prev == nil && head != (Head{}) {
		return 0, &Break{Reason: "the chain has a head but no records",
			Expected: fmt.Sprintf("#%d %s", head.Sequence, head.Hash), Stored: "no records"}, nil
	}
	if prev != nil && (Head{Sequence: prev.Sequence, Hash: prev.Hash}) != head {
		return n, &Break{RecordID: prev.ID, Sequence: prev.Sequence, Reason: "the chain's head is not its last record: records are missing after it",
			Expected: fmt.Sprintf("#%d %s", head.Sequence, head.Hash), Stored: fmt.Sprintf("#%d %s", prev.Sequence, prev.Hash)}, nil
	}
	return n, nil, nil
}

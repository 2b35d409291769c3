package verifactu

import "fmt"

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

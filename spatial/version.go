package spatial

import "time"

// Version is the history part of a stored record: every change creates a
// new version with who, when and why; nothing is overwritten or deleted.
type Version struct {
	Version   int       `json:"version"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to,omitzero"` // zero while current
	ChangedBy string    `json:"changed_by"`
	Reason    string    `json:"reason"`
	Source    string    `json:"source,omitempty"`  // e.g. file name and checksum
	Retired   bool      `json:"retired,omitempty"` // the plot no longer exists from ValidFrom on
}

// Current reports whether the version is the live one.
func (v Version) Current() bool { return v.ValidTo.IsZero() }

// Change says who makes a change, when, and why; it is stamped on every
// version a batch writes.
type Change struct {
	By     string
	Reason string
	Source string
	At     time.Time // zero: the store's clock

	// Untracked leaves WriteResult.Touched empty: for a writer with no
	// read model to bring up to date (the ingest command), so that the
	// memory of a province-sized write does not grow with its plots.
	Untracked bool
}

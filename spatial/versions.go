package spatial

import "context"

// VersionLister is implemented by stores that can stream every stored
// plot version (current, closed and retired ones, in no set order): the
// OGC API's plot history collection reads it. Both stores implement it.
type VersionLister interface {
	EachPlotVersion(ctx context.Context, fn func(*Plot) error) error
}

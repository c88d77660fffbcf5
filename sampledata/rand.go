package sampledata

// The generator must give the same bytes for the same seed on every Go
// version and platform (the committed sample is a golden file), so it uses
// its own tiny splitmix64 generator instead of math/rand, and draws whole
// numbers (millimetres, permille) rather than floats wherever the value
// ends up in a coordinate.

// mix hashes a sequence of keys into one 64-bit value (splitmix64 steps).
func mix(keys ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, k := range keys {
		h = splitmix(h ^ k)
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream keys, so that unrelated draws never share a sequence.
const (
	keyHSlot uint64 = iota + 1
	keyVSlot
	keyHLocal
	keyVLocal
	keyWave
	keySheet
	keyCommune
	keyPlots
)

// rng is a splitmix64 stream.
type rng struct{ s uint64 }

func newRNG(keys ...uint64) *rng { return &rng{s: mix(keys...)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	x := r.s
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// intn returns a whole number in [0, n); n must be positive.
func (r *rng) intn(n int64) int64 { return int64(r.next() % uint64(n)) }

// between returns a whole number in [lo, hi].
func (r *rng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// chance reports true with probability permille/1000.
func (r *rng) chance(permille int64) bool { return r.intn(1000) < permille }

// hashChance is chance for a keyed, stateless draw.
func hashChance(permille int64, keys ...uint64) bool { return mix(keys...)%1000 < uint64(permille) }

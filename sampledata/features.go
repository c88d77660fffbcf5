package sampledata

// Linear features (roads, canals, rivers) are global: each one is a
// function of the whole province plane, so a road leaving a sheet enters
// the next one at the very same point, whatever the scales of the two
// sheets. Horizontal features (running west-east) live in 125 m slots of
// northing, vertical ones (south-north) in 125 m slots of easting. Every
// sheet edge is a multiple of 250 m, and a feature keeps a margin from its
// slot's edges, so a feature never crosses a sheet edge along its length:
// a horizontal one crosses whole sheets from the west edge to the east edge.

const (
	slot     int64 = 125_000 // mm
	margin   int64 = 12_000  // mm kept free at both edges of a slot
	knotStep int64 = 100_000 // mm between the knots of a feature's centre line
	coarse   int64 = 4       // coarse wander knots every 4 knots (400 m)
)

// featureKind orders what a slot holds.
type featureKind uint8

const (
	noFeature featureKind = iota
	mainRoad              // present everywhere along its slot
	localRoad             // present where the neighbourhood asks for it
	canal
	river
)

// feature is one road, canal or river along a slot.
type feature struct {
	kind       featureKind
	use        string // DGT, DTL or SON
	key        uint64 // hash key of its wander
	base       int64  // centre line baseline, mm (northing or easting)
	amp1, amp2 int64  // coarse and fine wander amplitude, mm
	half, hvar int64  // half width and its variation, mm
}

func (f *feature) road() bool  { return f.use == "DGT" }
func (f *feature) water() bool { return f.use != "DGT" }

// noise returns a hashed whole number in [-amp, amp].
func noise(amp int64, keys ...uint64) int64 {
	if amp <= 0 {
		return 0
	}
	return int64(mix(keys...)%uint64(2*amp+1)) - amp
}

// knot returns the centre offset and half width at knot i.
func (f *feature) knot(i int64) (centre, half int64) {
	ci := floorDiv(i, coarse)
	a, b := noise(f.amp1, f.key, 1, uint64(ci)), noise(f.amp1, f.key, 1, uint64(ci+1))
	centre = f.base + a + (b-a)*(i-ci*coarse)/coarse + noise(f.amp2, f.key, 2, uint64(i))
	return centre, f.half + noise(f.hvar, f.key, 3, uint64(i))
}

// edges returns the two edge curves (lower and upper coordinate) of the
// feature over [lo, hi] along its length.
func (f *feature) edges(lo, hi int64) (curve, curve) {
	i0, i1 := floorDiv(lo, knotStep)-1, floorDiv(hi, knotStep)+2
	a := curve{c0: i0 * knotStep, step: knotStep, v: make([]int64, 0, i1-i0+1)}
	b := curve{c0: a.c0, step: knotStep, v: make([]int64, 0, i1-i0+1)}
	for i := i0; i <= i1; i++ {
		c, h := f.knot(i)
		a.v = append(a.v, c-h)
		b.v = append(b.v, c+h)
	}
	return a, b
}

// slotFeature draws the feature of slot k on one axis (vertical or not).
func slotFeature(seed int64, vertical bool, k int64) feature {
	axis := keyHSlot
	if vertical {
		axis = keyVSlot
	}
	r := newRNG(uint64(seed), axis, uint64(k))
	f := feature{key: mix(uint64(seed), keyWave, axis, uint64(k))}
	roll := r.intn(1000)
	switch {
	case !vertical && roll < 15:
		f.kind, f.use, f.half = river, "SON", r.between(10_000, 28_000)
		f.hvar = f.half / 6
	case roll < 90:
		f.kind, f.use, f.half = mainRoad, "DGT", r.between(4_500, 7_500)
	case roll < 200:
		f.kind, f.use, f.half = canal, "DTL", r.between(1_500, 4_000)
	case roll < 600:
		f.kind, f.use, f.half = localRoad, "DGT", r.between(3_000, 4_500)
	default:
		return feature{}
	}
	room := slot - 2*margin
	f.amp1 = min(r.between(2_000, 14_000), (room/2-f.half-f.hvar)*2/3)
	if vertical {
		f.amp1 = min(f.amp1, 6_000)
	}
	f.amp2 = r.between(200, 1_200)
	ext := f.amp1 + f.amp2 + f.half + f.hvar
	f.base = k*slot + margin + ext + r.intn(room-2*ext+1)
	return f
}

// localChance is the permille chance that a local road runs along one
// stretch, by neighbourhood level (0 rural, 1 residential, 2 town centre).
func localChance(vertical bool, level int) int64 {
	if vertical {
		return [...]int64{150, 500, 850}[level]
	}
	return [...]int64{150, 550, 900}[level]
}

package sampledata

import (
	"fmt"

	"cadastre/spatial/crs"
)

// Config steers the generator. The same Config always gives the same data,
// byte for byte.
type Config struct {
	// Seed selects the random province; a different seed gives different
	// data.
	Seed int64
	// Plots is the target number of plots: the generator stops after the
	// sheet that reaches it (or when the planned province is complete).
	Plots int
	// EPSG is the VN-2000 TM-3 zone of the coordinates (crs.ZoneByEPSG).
	EPSG int
	// OriginE and OriginN (plane metres) are the north-west corner of the
	// province; they are snapped outwards to the 1 km grid of 1:2000 sheets.
	OriginE, OriginN float64
}

// MaxPlots bounds Config.Plots: the made-up unit codes of one province
// (27001 upwards, four per commune) must stay 5-digit.
const MaxPlots = 50_000_000

// DefaultConfig returns the configuration of the committed sample: about
// 2,000 plots, seed 1, in EPSG:9210 near Hồ Chí Minh City.
func DefaultConfig() Config {
	return Config{Seed: 1, Plots: 2000, EPSG: 9210, OriginE: 600000, OriginN: 1192000}
}

// check reports the first problem of a configuration.
func (c Config) check() error {
	z, ok := crs.ZoneByEPSG(c.EPSG)
	switch {
	case c.Plots <= 0 || c.Plots > MaxPlots:
		return fmt.Errorf("sampledata: Plots = %d, want 1..%d", c.Plots, MaxPlots)
	case !ok:
		return fmt.Errorf("sampledata: EPSG:%d is not a VN-2000 TM-3 zone", c.EPSG)
	case !z.InRange(c.OriginE, c.OriginN):
		return fmt.Errorf("sampledata: origin E %.0f N %.0f is outside the range of EPSG:%d", c.OriginE, c.OriginN, c.EPSG)
	}
	return nil
}

package sampledata

import (
	"fmt"
	"math"
	"time"

	"cadastre/spatial"
	"cadastre/spatial/crs"
)

// MergedOn is the date of the 2025 commune mergers (two-level local
// government from 1 July 2025).
var MergedOn = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// ProvinceName is the made-up province every generated unit belongs to.
const ProvinceName = "Tỉnh Mẫu"

// firstCode is the made-up code of the first current commune; each
// commune takes four consecutive codes (itself and up to three former
// communes).
const firstCode = 27001

// estPlots is a rough count of plots per sheet by level, to plan how many
// communes the target needs.
var estPlots = [3]int{410, 345, 335}

// commune is a current commune and the former communes merged into it.
type commune struct {
	index    int
	unit     spatial.AdminUnit
	formers  []*former
	cells    [communeH][communeW]cellInfo
	west     int64 // north-west corner of its block, whole metres
	north    int64
	sheets   []*sheetPlan // generation order
	estPlots int
}

// former is a commune merged away on MergedOn; it numbered its own sheets.
type former struct {
	unit     spatial.AdminUnit
	town     bool
	baseYear int
}

// province is the plan of everything Generate may write.
type province struct {
	cfg      Config
	west     int64 // north-west corner, whole metres on the 1 km grid
	north    int64
	cols     int
	communes []*commune
}

// planProvince lays out enough communes for cfg.Plots, in rows of cols
// communes from the north-west corner.
func planProvince(cfg Config) (*province, error) {
	p := &province{cfg: cfg, west: int64(math.Floor(cfg.OriginE/1000)) * 1000, north: int64(math.Ceil(cfg.OriginN/1000)) * 1000}
	want, est := cfg.Plots+cfg.Plots/10, 0
	for i := 0; est < want; i++ {
		c := newCommune(cfg, i)
		p.communes = append(p.communes, c)
		est += c.estPlots
	}
	p.cols = int(math.Ceil(math.Sqrt(float64(len(p.communes)))))
	for i, c := range p.communes {
		c.west = p.west + int64(i%p.cols)*communeW*1000
		c.north = p.north - int64(i/p.cols)*communeH*1000
		var groups [][]*sheetPlan
		for fi := range c.formers {
			groups = append(groups, planSheets(c, fi, c.west, c.north)...)
		}
		c.sheets = order(groups)
	}
	rows := (len(p.communes) + p.cols - 1) / p.cols
	east, south := float64(p.west+int64(p.cols)*communeW*1000), float64(p.north-int64(rows)*communeH*1000)
	if z, _ := crs.ZoneByEPSG(cfg.EPSG); !z.InRange(east, south) {
		return nil, fmt.Errorf("sampledata: the province (%d communes from E %d N %d m) leaves the range of EPSG:%d; move the origin or ask for fewer plots", len(p.communes), p.west, p.north, cfg.EPSG)
	}
	return p, nil
}

// newCommune draws commune i: its units and its cells.
func newCommune(cfg Config, i int) *commune {
	r := newRNG(uint64(cfg.Seed), keyCommune, uint64(i))
	nf, town := 2, 1
	if i > 0 {
		nf, town = 2+int(r.intn(10)/7), -1
		if r.chance(400) {
			town = int(r.intn(int64(nf)))
		}
	}
	code := firstCode + 4*i
	c := &commune{index: i, unit: unit(cfg, code, "Xã", "")}
	for f := range nf {
		kind, base := "Xã", 1996+int(r.intn(14))
		if f == town {
			kind, base = "Thị trấn", 2002+int(r.intn(12))
		}
		u := unit(cfg, code+1+f, kind, c.unit.Code)
		c.formers = append(c.formers, &former{unit: u, town: f == town, baseYear: base})
	}
	c.cells = layoutCells(cfg.Seed, i, nf, town)
	for _, row := range c.cells {
		for _, ci := range row {
			_, n := scaleLevel(int(ci.level))
			c.estPlots += n * n * estPlots[ci.level]
		}
	}
	return c
}

func unit(cfg Config, code int, kind, successor string) spatial.AdminUnit {
	u := spatial.AdminUnit{
		Code:     fmt.Sprintf("%05d", code),
		Name:     kind + " " + placeName(cfg.Seed, code),
		Province: ProvinceName,
		EPSG:     cfg.EPSG,
	}
	if successor != "" {
		u.Successor, u.MergedOn = successor, MergedOn
	}
	return u
}

// syllables of made-up southern place names.
var syllables = []string{"Tân", "Phú", "Hòa", "Bình", "An", "Long", "Thạnh", "Phước", "Mỹ", "Hiệp",
	"Lợi", "Đông", "Tây", "Nhơn", "Thuận", "Hưng", "Lộc", "Khánh", "Vĩnh", "Trung"}

func placeName(seed int64, code int) string {
	h := mix(uint64(seed), keyCommune, uint64(code), 7)
	a, b := h%uint64(len(syllables)), (h>>16)%uint64(len(syllables)-1)
	if b >= a {
		b++
	}
	return syllables[a] + " " + syllables[b]
}

// units lists every unit of the province: each current commune, then the
// former communes merged into it.
func (p *province) units() []spatial.AdminUnit {
	var out []spatial.AdminUnit
	for _, c := range p.communes {
		out = append(out, c.unit)
		for _, f := range c.formers {
			out = append(out, f.unit)
		}
	}
	return out
}

// level returns the level of the 1 km cell whose west and north edges
// are given (metres); cells outside the province are rural.
func (p *province) level(west, north int64) int {
	col, row := floorDiv(west-p.west, communeW*1000), floorDiv(p.north-north, communeH*1000)
	i := int(row)*p.cols + int(col)
	if col < 0 || row < 0 || int(col) >= p.cols || i >= len(p.communes) {
		return 0
	}
	c := p.communes[i]
	return int(c.cells[(c.north-north)/1000][(west-c.west)/1000].level)
}

package sampledata

import (
	"cmp"
	"slices"

	"cadastre/spatial/grid"
)

// A commune is a block of communeW x communeH cells of 1 km (1:2000
// sheets). Each cell has a level: 0 rural (one 1:2000 sheet), 1 residential
// (four 1:1000 sheets), 2 town centre (sixteen 1:500 sheets). About 300
// sheets per commune, as in the seed province (11,488 sheets).
const (
	communeW = 14
	communeH = 13
)

// cellInfo is one 1 km cell of a commune.
type cellInfo struct {
	former int8 // index into commune.formers
	level  int8
}

// sheetPlan is a sheet before its plots exist.
type sheetPlan struct {
	former           *former
	number           int
	scale            grid.Scale
	col, row         int   // the 1 km cell inside the commune
	west, north      int64 // frame corner, whole metres
	level            int
	survey           int
	commune          *commune
	addrBlock, block int // khu phố / thôn number parts
}

// scaleLevel maps a level to its sheet scale and sheets per side of a cell.
func scaleLevel(level int) (grid.Scale, int) {
	switch level {
	case 2:
		return grid.Scale500, 4
	case 1:
		return grid.Scale1000, 2
	}
	return grid.Scale2000, 1
}

// layoutCells draws the cells of commune index: which former commune each
// belongs to and its level. Former communes split the block into columns
// with a ragged border; a town former has a 1:500 centre ringed by
// 1:1000 cells, a rural one scattered 1:1000 villages.
func layoutCells(seed int64, index, formers, town int) [communeH][communeW]cellInfo {
	r := newRNG(uint64(seed), keyCommune, uint64(index), 1)
	var cells [communeH][communeW]cellInfo
	centreCol, centreRow := -1, communeH/2-1-int(r.intn(2))
	for row := range communeH {
		shift := int(r.intn(3)) - 1
		for col := range communeW {
			f := min(max((col+shift)*formers/communeW, 0), formers-1)
			cells[row][col].former = int8(f)
			if f == town && centreCol < 0 && row == centreRow {
				centreCol = col + 2
			}
		}
	}
	villages := 0
	for row := range communeH {
		for col := range communeW {
			c := &cells[row][col]
			d := max(abs(col-centreCol), abs(row-centreRow))
			switch {
			case int(c.former) != town:
				if r.chance(120) {
					c.level, villages = 1, villages+1
				}
			case d == 0:
				c.level = 2
			case d == 1 || (d == 2 && r.chance(500)) || r.chance(300):
				c.level = 1
			}
		}
	}
	if villages == 0 {
		cells[1][1].level = 1 // every rural commune has a village
	}
	return cells
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// planSheets lists the sheets of one former commune in numbering order:
// small scales first, then left to right and top to bottom (the Circular
// 25/2014 numbering habit), grouped by scale.
func planSheets(c *commune, fi int, west0, north0 int64) [][]*sheetPlan {
	groups := make([][]*sheetPlan, 3)
	for row := range communeH {
		for col := range communeW {
			ci := c.cells[row][col]
			if int(ci.former) != fi {
				continue
			}
			scale, n := scaleLevel(int(ci.level))
			size := int64(1000 / n)
			for sub := range n * n {
				groups[ci.level] = append(groups[ci.level], &sheetPlan{
					former: c.formers[fi], commune: c, scale: scale, col: col, row: row, level: int(ci.level),
					west:  west0 + int64(col)*1000 + int64(sub%n)*size,
					north: north0 - int64(row)*1000 - int64(sub/n)*size,
				})
			}
		}
	}
	number := 0
	for _, g := range groups {
		slices.SortFunc(g, func(a, b *sheetPlan) int {
			return cmp.Or(cmp.Compare(b.north, a.north), cmp.Compare(a.west, b.west))
		})
		for _, s := range g {
			number++
			s.number = number
		}
	}
	return groups
}

// order interleaves the sheet groups (former commune x scale) round
// robin, so that any prefix of the output (a small Config.Plots) holds
// sheets of every scale and of both former communes, with colliding sheet
// numbers.
func order(groups [][]*sheetPlan) []*sheetPlan {
	var out []*sheetPlan
	for round := 0; ; round++ {
		added := false
		for _, g := range groups {
			if round < len(g) {
				out = append(out, g[round])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"cadastre/spatial"
	"cadastre/spatial/crs"
	"cadastre/spatial/grid"
)

// plot interprets a plot feature.
func (d *decoder) plot(p *props, g orb.MultiPolygon) {
	k := spatial.PlotKey{Unit: p.unit(FieldUnit, true), Sheet: p.int(FieldSheet), Plot: p.int(FieldPlot)}
	p.key = k.String()
	for i := range p.item.Problems {
		p.item.Problems[i].Feature = p.key
	}
	pl := &spatial.Plot{Key: k, LandUse: p.landUse(FieldLandUse), Address: p.str(FieldAddress, false)}
	if la, ok := p.number(FieldLegalArea, false); ok {
		pl.LegalArea = la
	}
	pl.Commune = p.unit(FieldCommune, false)
	u, known := spatial.AdminUnit{}, false
	if d.opt.Unit != nil {
		u, known = d.opt.Unit(k.Unit)
	}
	if pl.Commune == "" {
		pl.Commune = k.Unit
		if known && u.Successor != "" {
			pl.Commune = u.Successor
		}
	}
	if g != nil {
		pl.Geometry, pl.EPSG = d.toPlane(p, g, u, known)
	}
	p.item.Plot = pl
}

// sheet interprets a sheet feature; its frame is the feature's polygon
// (or polygons, for an off-grid sheet).
func (d *decoder) sheet(p *props, g orb.MultiPolygon) {
	k := spatial.SheetKey{Unit: p.unit(FieldUnit, true), Number: p.int(FieldSheet)}
	p.key = "sheet " + k.String()
	offGrid := p.boolean(FieldOffGrid)
	s := &spatial.Sheet{Key: k, GridNumber: p.str(FieldGridNumber, !offGrid), OffGrid: offGrid}
	if sc, ok := p.m[FieldScale]; ok {
		scale, err := parseScale(fmt.Sprint(sc), offGrid)
		if err != nil {
			p.problem(FieldScale, err.Error())
		}
		s.Scale = scale
	} else {
		p.problem(FieldScale, "missing")
	}
	if y, ok := p.number(FieldSurveyYear, false); ok {
		s.SurveyYear = int(y)
	}
	if g != nil {
		var u spatial.AdminUnit
		known := false
		if d.opt.Unit != nil {
			u, known = d.opt.Unit(k.Unit)
		}
		mp, epsg := d.toPlane(p, g, u, known)
		s.EPSG = epsg
		if len(mp) != 1 && !offGrid {
			p.problem("geometry", "a grid sheet's frame is one polygon (a sheet off the Circular 25 grid may have several: off_grid true)")
		} else {
			s.Frame = mp
		}
	}
	p.item.Sheet = s
}

// parseScale reads a sheet's scale: one of the six of Circular 25 for a
// grid sheet, any whole denominator 1:1 .. 1:1,000,000 off the grid
// (older surveys were drawn at 1:2500, 1:4000...).
func parseScale(s string, offGrid bool) (grid.Scale, error) {
	if !offGrid {
		return grid.ParseScale(s)
	}
	t := strings.TrimPrefix(strings.TrimSpace(s), "1:")
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > 1_000_000 {
		return 0, fmt.Errorf("scale %q: want 1:N or N, N a whole number up to 1000000", s)
	}
	return grid.Scale(n), nil
}

// toPlane returns the geometry in the VN-2000 plane: as given for a zone
// CRS, converted from WGS 84 into the zone of the unit otherwise.
func (d *decoder) toPlane(p *props, g orb.MultiPolygon, u spatial.AdminUnit, known bool) (orb.MultiPolygon, int) {
	lonlat := looksLonLat(g)
	epsg := d.epsg
	switch {
	case epsg == 0 && !lonlat:
		p.problem("geometry", "plane coordinates (metres) but no CRS: add a crs member (urn:ogc:def:crs:EPSG::9210) or give --crs / ?crs=")
		return nil, 0
	case epsg == 0 || epsg == crs.WGS84:
		if !lonlat {
			p.problem("geometry", "CRS is WGS 84 but the coordinates are not lon/lat degrees")
			return nil, 0
		}
		if !known {
			p.problem("geometry", fmt.Sprintf("WGS 84 coordinates need the zone of unit %q, which is not known (ingest its unit first)", u.Code))
			return nil, 0
		}
		z, _ := crs.ZoneByEPSG(u.EPSG)
		return fromWGS84(g, z), z.EPSG
	case epsg == crs.WebMercator:
		p.problem("geometry", "Web Mercator input is not accepted: send VN-2000 plane or WGS 84 coordinates")
		return nil, 0
	}
	if lonlat {
		p.problem("geometry", fmt.Sprintf("coordinates look like lon/lat degrees but the CRS is EPSG:%d (plane metres)", epsg))
		return nil, 0
	}
	if known && u.EPSG != epsg {
		p.problem("geometry", fmt.Sprintf("coordinates are in EPSG:%d but unit %s lies in EPSG:%d", epsg, u.Code, u.EPSG))
	}
	return g, epsg
}

func fromWGS84(g orb.MultiPolygon, z crs.Zone) orb.MultiPolygon {
	out := g.Clone()
	for _, poly := range out {
		for _, r := range poly {
			for i, pt := range r {
				e, n := z.FromWGS84(pt[0], pt[1])
				r[i] = orb.Point{e, n}
			}
		}
	}
	return out
}

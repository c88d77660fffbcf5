package sampledata

// Land use follows the neighbourhood: house lots (ONT rural, ODT in a
// town, often with perennial garden land CLN) along roads; rice (LUC,
// LUK), perennial and annual crops (CLN, BHK, HNK) away from them; a few
// pagodas, schools, cemeteries, markets, offices and workshops (TON, DGD,
// NTD, DCH, TSC, SKC). Codes are Circular 25/2014 Annex 01 as amended by
// Circular 08/2024 (HNK). "ONT" in these tables becomes "ODT" in a town.

// use is one weighted land-use choice, main purpose first.
type use struct {
	w     int64
	codes []string
}

func u(w int64, codes ...string) use { return use{w, codes} }

var (
	// usesLot are house lots along roads, by level.
	usesLot = [3][]use{
		{u(40, "ONT", "CLN"), u(22, "ONT"), u(14, "CLN"), u(4, "TMD"), u(4, "SKC"), u(4, "HNK"), u(3, "LUK"),
			u(2, "BHK"), u(2, "TON"), u(2, "DGD"), u(1, "TSC"), u(1, "DCH"), u(1, "NTD")},
		{u(34, "ONT", "CLN"), u(38, "ONT"), u(8, "CLN"), u(6, "TMD"), u(4, "SKC"), u(2, "DGD"), u(2, "TSC"),
			u(2, "TON"), u(2, "DCH"), u(1, "DYT"), u(1, "BHK")},
		{u(72, "ONT"), u(6, "ONT", "TMD"), u(8, "TMD"), u(3, "SKC"), u(2, "DCH"), u(2, "TSC"), u(2, "DGD"),
			u(2, "TON"), u(1, "DYT"), u(1, "DVH"), u(1, "ONT", "CLN")},
	}
	// usesField are plots away from roads, by level.
	usesField = [3][]use{
		{u(32, "LUC"), u(14, "LUK"), u(16, "CLN"), u(8, "BHK"), u(8, "HNK"), u(4, "NTS"), u(7, "ONT", "CLN"),
			u(2, "ONT"), u(2, "NTD"), u(1, "TON"), u(1, "DGD"), u(2, "SKC"), u(1, "BCS")},
		{u(26, "CLN"), u(22, "ONT", "CLN"), u(12, "ONT"), u(10, "BHK"), u(10, "HNK"), u(8, "LUK"), u(3, "NTS"),
			u(2, "NTD"), u(2, "TON"), u(2, "DGD"), u(2, "SKC"), u(1, "DTT")},
		usesLotTown,
	}
	usesLotTown = []use{u(60, "ONT"), u(8, "ONT", "CLN"), u(8, "TMD"), u(4, "DGD"), u(3, "TSC"), u(3, "TON"),
		u(3, "SKC"), u(2, "DYT"), u(2, "DVH"), u(2, "DCH"), u(2, "DTT"), u(3, "CLN")}
	// usesBanks are plots on both banks of a canal (multipart plots).
	usesBanks = []use{u(40, "LUC"), u(20, "LUK"), u(20, "CLN"), u(10, "BHK"), u(10, "HNK")}
	// usesWater are fields along a canal or river.
	usesWater = []use{u(45, "LUC"), u(15, "LUK"), u(20, "NTS"), u(20, "CLN")}
)

// pondHost lists main uses whose plots may hold a fish pond (NTS).
var pondHost = map[string]bool{"LUC": true, "LUK": true, "CLN": true, "BHK": true, "HNK": true, "ONT": true, "ODT": true}

// landUse draws the codes of a parcel.
func landUse(r *rng, d *cellDesc, level int, town bool) []string {
	table := usesField[level]
	switch {
	case d.lot || d.road:
		table = usesLot[level]
	case d.water && r.chance(400):
		table = usesWater
	}
	return urban(drawUse(r, table), town)
}

func drawUse(r *rng, table []use) []string {
	var total int64
	for _, c := range table {
		total += c.w
	}
	x := r.intn(total)
	for _, c := range table {
		if x < c.w {
			return c.codes
		}
		x -= c.w
	}
	return table[len(table)-1].codes
}

// urban returns codes with rural residential land (ONT) as urban (ODT)
// in a town.
func urban(codes []string, town bool) []string {
	out := append([]string(nil), codes...)
	for i, c := range out {
		if c == "ONT" && town {
			out[i] = "ODT"
		}
	}
	return out
}

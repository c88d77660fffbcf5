package sampledata

// profile holds the plot dimensions of one level, in mm. The values give
// plots of about 400-3000 m² at 1:2000, 150-800 m² at 1:1000 and
// 80-300 m² at 1:500, and 250-400 plots per sheet.
type profile struct {
	colW, rowH     [2]int64 // field columns and rows
	frontDepth     [2]int64 // depth of house lots along a road
	frontW         [2]int64 // street frontage of a house lot
	split          int64    // permille chance to cut a field cell in two
	lots           bool     // every row is cut into lots (town centre)
	jitter         int64    // largest vertex jitter
	jitterGap      int64    // segments longer than this may get a jittered vertex
	minSub, minEnd int64    // narrowest lot; lot lines keep this far from a column side
}

var profiles = [3]profile{
	{colW: [2]int64{55_000, 95_000}, rowH: [2]int64{40_000, 72_000}, frontDepth: [2]int64{30_000, 48_000},
		frontW: [2]int64{20_000, 36_000}, split: 250, jitter: 1_200, jitterGap: 10_000, minSub: 8_000, minEnd: 4_000},
	{colW: [2]int64{34_000, 60_000}, rowH: [2]int64{24_000, 42_000}, frontDepth: [2]int64{20_000, 32_000},
		frontW: [2]int64{9_000, 18_000}, split: 450, jitter: 700, jitterGap: 7_000, minSub: 5_000, minEnd: 2_500},
	{colW: [2]int64{18_000, 30_000}, rowH: [2]int64{14_000, 24_000}, frontDepth: [2]int64{15_000, 24_000},
		frontW: [2]int64{7_000, 13_000}, lots: true, jitter: 350, jitterGap: 5_000, minSub: 4_000, minEnd: 1_500},
}

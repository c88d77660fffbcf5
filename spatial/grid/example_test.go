package grid_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"cadastre/spatial/grid"
)

func ExampleSheetAt() {
	// A point in Hà Nội's zone (EPSG:5897), E 502 450 m, N 1 723 790 m.
	for _, s := range []grid.Scale{grid.Scale10000, grid.Scale5000, grid.Scale2000, grid.Scale1000, grid.Scale500, grid.Scale200} {
		num, f, _ := grid.SheetAt(s, 502450, 1723790)
		fmt.Printf("%-7v %-16q E %.0f..%.0f N %.0f..%.0f\n", s, num, f.MinE, f.MaxE, f.MinN, f.MaxN)
	}
	// Output:
	// 1:10000 "10-728 500"     E 500000..506000 N 1722000..1728000
	// 1:5000  "725 500"        E 500000..503000 N 1722000..1725000
	// 1:2000  "725 500-6"      E 502000..503000 N 1723000..1724000
	// 1:1000  "725 500-6-a"    E 502000..502500 N 1723500..1724000
	// 1:500   "725 500-6-(2)"  E 502250..502500 N 1723750..1724000
	// 1:200   "725 500-6-25"   E 502400..502500 N 1723700..1723800
}

func ExampleParse() {
	// The northing's thousands digit is not written: the hint (here the
	// rough northing of the province) supplies it.
	s, f, err := grid.Parse("725 500-6-(11)", 1700000)
	fmt.Printf("%v E %.0f..%.0f N %.0f..%.0f %v\n", s, f.MinE, f.MaxE, f.MinN, f.MaxN, err)
	// A typo that leaves the northing off the 3 km grid is caught.
	_, _, err = grid.Parse("724 500-6", 1700000)
	fmt.Println(err)
	_, _, err = grid.Parse("725 500-10", 1700000)
	fmt.Println(err)
	// Output:
	// 1:500 E 502500..502750 N 1723250..1723500 <nil>
	// grid: bad sheet number "724 500-6": northing 1724 km (thousands digit nearest the hint 1700 km) is not a 1:5000 sheet's top edge (multiple of 3 km)
	// grid: bad sheet number "725 500-10": unknown 1:2000 cell 10 (want 1..9)
}

func BenchmarkSheetAt(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	pts := make([][2]float64, 1024)
	for i := range pts {
		pts[i][0], pts[i][1] = randomPoint(r)
	}
	for _, s := range grid.Scales() {
		b.Run(s.String(), func(b *testing.B) {
			i := 0
			for b.Loop() {
				p := pts[i%len(pts)]
				if _, _, err := grid.SheetAt(s, p[0], p[1]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	type numHint struct {
		num  string
		hint float64
	}
	for _, s := range grid.Scales() {
		nums := make([]numHint, 1024)
		for i := range nums {
			e, n := randomPoint(r)
			// A hint 100 km off the sheet: the thousands digit still resolves.
			nums[i].num, _, _ = grid.SheetAt(s, e, n)
			nums[i].hint = n + 100000
		}
		b.Run(s.String(), func(b *testing.B) {
			i := 0
			for b.Loop() {
				nh := nums[i%len(nums)]
				if _, _, err := grid.Parse(nh.num, nh.hint); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

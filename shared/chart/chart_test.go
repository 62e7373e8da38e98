package chart

import (
	"math"
	"strings"
	"testing"
)

func TestNiceCeil(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0, 4}, {1, 4}, {4, 4}, {5, 8}, {8, 8}, {9, 20}, {20, 20}, {21, 40}, {93, 100}, {100, 100}, {101, 200}, {1500, 2000},
	}
	for _, tt := range tests {
		got := niceCeil(tt.in)
		if got != tt.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if step := got / 4; step != math.Trunc(step) {
			t.Errorf("niceCeil(%v) = %v: its ticks (%v apart) are not whole numbers", tt.in, got, step)
		}
	}
}

// The drawing area runs from y = top (the maximum) to y = height-bottom
// (the minimum): 14 and 212.
func TestY(t *testing.T) {
	p := plot{lo: 0, hi: 100}
	for _, tt := range []struct{ v, want float64 }{{0, 212}, {100, 14}, {50, 113}, {-5, 212}, {150, 14}} {
		if got := p.y(tt.v); got != tt.want {
			t.Errorf("y(%v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestLine(t *testing.T) {
	nan := math.NaN()
	svg := string(Line{Title: "t", XLabel: "Day", YLabel: "met", Categories: []string{"a", "b", "c", "d", "e"},
		Series: []Series{{Name: "<b>x</b>", Values: []float64{10, nan, 30, 40, nan}}, {Name: "y", Values: []float64{nan, nan, nan, nan, 5}}},
		YMax:   100, Unit: "%"}.SVG())
	for _, tt := range []struct {
		what string
		want int
	}{
		{`class="mark"`, 4},       // one per value that is not NaN
		{`<polyline`, 1},          // 10 stands alone; 30–40 is the one segment; y has one point
		{`class="axis-label"`, 2}, // both axes labelled
		{`data-series="&lt;b&gt;x&lt;/b&gt;"`, 1},
		{`<b>`, 0}, // names are escaped everywhere
		{`<li>`, 2},
	} {
		if got := strings.Count(svg, tt.what); got != tt.want {
			t.Errorf("%d × %s, want %d\n%s", got, tt.what, tt.want, svg)
		}
	}
	// The first category sits on the y axis (x = 70), the last at the right
	// edge (640 − 28); 5 categories, 4 steps of 135.5.
	if !strings.Contains(svg, `cx="70" cy="192.2"`) || !strings.Contains(svg, `cx="612" cy="202.1"`) {
		t.Errorf("points not where expected (10%% at x=70, 5%% at x=612):\n%s", svg)
	}
}

func TestBars(t *testing.T) {
	svg := string(Bars{Title: "t", XLabel: "late", YLabel: "n", Labels: []string{"a", "b", "c", "d"}, Values: []float64{0, 3, 8, 1}}.SVG())
	if got := strings.Count(svg, `<rect class="mark"`); got != 4 {
		t.Errorf("%d bars, want 4", got)
	}
	// max 8 → axis to 8; the 8 bar fills the height (y 14 to 212: 198);
	// 4 bars share 542 units: 135.5 each, the bar 70% of it (94.85).
	if !strings.Contains(svg, `y="14" width="94.9" height="198" fill="#0072b2" data-value="8"`) {
		t.Errorf("the tallest bar is not full height:\n%s", svg)
	}
	if !strings.Contains(svg, `height="0" fill="#0072b2" data-value="0"`) {
		t.Errorf("the zero bar is not empty:\n%s", svg)
	}
	// Ticks at 0, 2, 4, 6, 8.
	for _, v := range []string{">0<", ">2<", ">4<", ">6<", ">8<"} {
		if !strings.Contains(svg, `class="tick" x="64"`) || !strings.Contains(svg, v) {
			t.Errorf("no y tick %s", v)
		}
	}
}

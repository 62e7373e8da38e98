// Package chart draws small line and bar charts as inline SVG on the
// server. The dashboard needs four charts and no interaction beyond a
// tooltip and a link, so SVG written here is smaller than any chart
// library, draws without JavaScript, and loads nothing from the internet.
//
// Every chart has labelled axes (class "axis-label"), one mark per value
// (class "mark", with the value in data-value) and a <title> on each mark
// for the tooltip, so a browser test can check what was drawn.
package chart

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// The drawing area, in SVG user units; the SVG scales to its container.
const (
	width  = 640
	height = 260
	left   = 70 // room for the y tick labels and the y axis label, at a phone's type size
	right  = 28 // room for half the last x label
	top    = 14
	bottom = 48 // room for the x tick labels and the x axis label
)

// Palette colours the series, in order; it repeats after eight. Chosen to
// stay apart for the common colour-vision deficiencies (Okabe–Ito).
var Palette = [...]string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000"}

// Series is one line: a value per category, NaN where there is none (the
// line breaks there).
type Series struct {
	Name   string
	Values []float64
}

// Line is a line chart over categories (days).
type Line struct {
	Title          string
	XLabel, YLabel string
	Categories     []string // x labels, one per value
	Series         []Series
	// YMin and YMax fix the y range (a percentage: 0 to 100); when both are
	// zero it runs from 0 to a round number above the largest value.
	YMin, YMax float64
	Unit       string // appended to values in tooltips and ticks: "%"
}

// Bars is a bar chart: one bar per label.
type Bars struct {
	Title          string
	XLabel, YLabel string
	Labels         []string
	Values         []float64
	Unit           string
}

// SVG renders the chart: SVG markup with every label escaped, ready to
// be written into HTML as it is.
func (c Line) SVG() string {
	lo, hi := c.YMin, c.YMax
	if lo == 0 && hi == 0 {
		for _, s := range c.Series {
			for _, v := range s.Values {
				if !math.IsNaN(v) {
					hi = max(hi, v)
				}
			}
		}
		hi = niceCeil(hi)
	}
	var b strings.Builder
	p := plot{b: &b, lo: lo, hi: hi, n: len(c.Categories), unit: c.Unit}
	p.open(c.Title, "line")
	p.yAxis(c.YLabel)
	p.xAxis(c.XLabel, c.Categories, false)
	for i, s := range c.Series {
		color := Palette[i%len(Palette)]
		fmt.Fprintf(&b, `<g class="series" data-series="%s">`, html.EscapeString(s.Name))
		var path []string
		flush := func() {
			if len(path) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(path, " "))
			}
			path = path[:0]
		}
		for j, v := range s.Values {
			if j >= p.n || math.IsNaN(v) {
				flush()
				continue
			}
			x, y := p.x(j, false), p.y(v)
			path = append(path, num(x)+","+num(y))
			fmt.Fprintf(&b, `<circle class="mark" cx="%s" cy="%s" r="3" fill="%s" data-value="%s"><title>%s %s: %s</title></circle>`,
				num(x), num(y), color, num(v), html.EscapeString(s.Name), html.EscapeString(c.Categories[j]), html.EscapeString(p.format(v)))
		}
		flush()
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	if len(c.Series) > 1 || (len(c.Series) == 1 && c.Series[0].Name != "") {
		b.WriteString(`<ul class="legend">`)
		for i, s := range c.Series {
			fmt.Fprintf(&b, `<li><svg viewBox="0 0 10 10" width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="%s"/></svg>%s</li>`,
				Palette[i%len(Palette)], html.EscapeString(s.Name))
		}
		b.WriteString(`</ul>`)
	}
	return b.String()
}

// SVG renders the chart: SVG markup with every label escaped, ready to
// be written into HTML as it is.
func (c Bars) SVG() string {
	hi := 0.0
	for _, v := range c.Values {
		hi = max(hi, v)
	}
	var b strings.Builder
	p := plot{b: &b, lo: 0, hi: niceCeil(hi), n: len(c.Labels), unit: c.Unit}
	p.open(c.Title, "bars")
	p.yAxis(c.YLabel)
	p.xAxis(c.XLabel, c.Labels, true)
	step := p.step(true)
	w := step * 0.7
	for i, v := range c.Values {
		if i >= p.n {
			break
		}
		x, y := p.x(i, true)-w/2, p.y(v)
		fmt.Fprintf(&b, `<rect class="mark" x="%s" y="%s" width="%s" height="%s" fill="%s" data-value="%s"><title>%s: %s</title></rect>`,
			num(x), num(y), num(w), num(p.y(0)-y), Palette[0], num(v), html.EscapeString(c.Labels[i]), html.EscapeString(p.format(v)))
		if v > 0 {
			fmt.Fprintf(&b, `<text class="value" x="%s" y="%s" text-anchor="middle">%s</text>`, num(x+w/2), num(y-3), html.EscapeString(p.format(v)))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// plot maps values onto the drawing area and draws the frame.
type plot struct {
	b      *strings.Builder
	lo, hi float64
	n      int
	unit   string
}

func (p *plot) open(title, kind string) {
	fmt.Fprintf(p.b, `<svg class="chart %s" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		kind, width, height, html.EscapeString(title))
	fmt.Fprintf(p.b, `<title>%s</title>`, html.EscapeString(title))
}

// step is the distance between categories; bars sit in the middle of
// theirs, line points on the edges (the first on the y axis).
func (p *plot) step(bars bool) float64 {
	span := float64(width - left - right)
	switch {
	case bars:
		return span / float64(max(p.n, 1))
	case p.n > 1:
		return span / float64(p.n-1)
	}
	return span
}

func (p *plot) x(i int, bars bool) float64 {
	if bars {
		return left + p.step(true)*(float64(i)+0.5)
	}
	if p.n == 1 {
		return left + float64(width-left-right)/2
	}
	return left + p.step(false)*float64(i)
}

func (p *plot) y(v float64) float64 {
	span := p.hi - p.lo
	if span <= 0 {
		span = 1
	}
	v = min(max(v, p.lo), p.hi)
	return float64(height-bottom) - (v-p.lo)/span*float64(height-top-bottom)
}

func (p *plot) format(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if v != math.Trunc(v) {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	return s + p.unit
}

// yAxis draws five ticks with grid lines, and the axis label turned upright.
func (p *plot) yAxis(label string) {
	const ticks = 4
	for i := 0; i <= ticks; i++ {
		v := p.lo + (p.hi-p.lo)*float64(i)/ticks
		y := p.y(v)
		fmt.Fprintf(p.b, `<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s"/>`, left, width-right, num(y), num(y))
		fmt.Fprintf(p.b, `<text class="tick" x="%d" y="%s" text-anchor="end">%s</text>`, left-6, num(y+4), html.EscapeString(p.format(v)))
	}
	fmt.Fprintf(p.b, `<text class="axis-label" transform="translate(12 %d) rotate(-90)" text-anchor="middle">%s</text>`,
		top+(height-top-bottom)/2, html.EscapeString(label))
}

// xAxis labels the categories, thinned so that labels do not overlap.
func (p *plot) xAxis(label string, cats []string, bars bool) {
	fmt.Fprintf(p.b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, left, width-right, height-bottom, height-bottom)
	longest := 1
	for _, c := range cats {
		longest = max(longest, len([]rune(c)))
	}
	// ~10 units a character: the size a phone's stylesheet gives the
	// ticks, where the chart is drawn at half its width.
	every := max(1, int(math.Ceil(float64(longest)*10/p.step(bars))))
	for i, c := range cats {
		// Every every-th label, and the last one when it does not crowd
		// the one before it: the latest day is the one people look for.
		last := i == len(cats)-1 && i%every > every/2
		if i%every != 0 && !last {
			continue
		}
		fmt.Fprintf(p.b, `<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>`, num(p.x(i, bars)), height-bottom+16, html.EscapeString(c))
	}
	fmt.Fprintf(p.b, `<text class="axis-label" x="%d" y="%d" text-anchor="middle">%s</text>`, left+(width-left-right)/2, height-8, html.EscapeString(label))
}

// niceCeil rounds v up to four times a round step (1, 2, 2.5 or 5 times a
// power of ten, at least 1), so that the axis' four steps are round whole
// numbers.
func niceCeil(v float64) float64 {
	step := max(v/4, 1)
	pow := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && pow < 10 {
			continue // 2.5 is not a whole number
		}
		if m*pow >= step {
			return 4 * m * pow
		}
	}
	return 40 * pow
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

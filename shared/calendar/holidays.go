package calendar

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// countries maps ISO 3166-1 alpha-2 codes to the national holiday lists of
// github.com/rickar/cal/v2.
var countries = map[string][]*cal.Holiday{
	"ar": ar.Holidays,
	"at": at.Holidays,
	"be": be.Holidays,
	"bg": bg.Holidays,
	"br": br.Holidays,
	"ca": ca.Holidays,
	"ch": ch.Holidays,
	"cz": cz.Holidays,
	"de": de.Holidays,
	"dk": dk.Holidays,
	"es": es.Holidays,
	"fr": fr.Holidays,
	"gb": gb.Holidays,
	"gr": gr.Holidays,
	"hr": hr.Holidays,
	"ie": ie.Holidays,
	"it": it.Holidays,
	"lt": lt.Holidays,
	"lv": lv.Holidays,
	"mw": mw.Holidays,
	"nl": nl.Holidays,
	"no": no.Holidays,
	"nz": nz.Holidays,
	"pl": pl.Holidays,
	"ro": ro.Holidays,
	"ru": ru.Holidays,
	"se": se.Holidays,
	"si": si.Holidays,
	"sk": sk.Holidays,
	"ua": ua.Holidays,
	"us": us.Holidays,
	"za": za.Holidays,
}

// Countries lists the country codes Country accepts.
func Countries() []string {
	codes := make([]string, 0, len(countries))
	for c := range countries {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// HolidaySet is a rule-based set of holidays, such as a country's national
// holidays. Both the actual date of a holiday and the weekday it is observed
// on (Christmas on a Saturday observed on Friday) are closed. It is safe for
// concurrent use; each year's dates are computed once.
type HolidaySet struct {
	name  string
	rules []*cal.Holiday

	mu    sync.Mutex
	years map[int]map[Date]bool
}

// Country returns the national holidays of the country with the given ISO
// 3166-1 alpha-2 code ("us", "gb", "de", …).
func Country(code string) (*HolidaySet, error) {
	rules, ok := countries[strings.ToLower(code)]
	if !ok {
		return nil, fmt.Errorf("no holiday set for country %q (known: %s)", code, strings.Join(Countries(), ", "))
	}
	return &HolidaySet{name: strings.ToLower(code), rules: rules, years: map[int]map[Date]bool{}}, nil
}

// String returns the set's country code.
func (s *HolidaySet) String() string { return s.name }

// Contains reports whether d is a holiday of the set.
func (s *HolidaySet) Contains(d Date) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	dates, ok := s.years[d.Year]
	if !ok {
		dates = map[Date]bool{}
		// An observed date can fall in the neighbouring year (New Year's Day
		// on a Saturday is observed on 31 December).
		for y := d.Year - 1; y <= d.Year+1; y++ {
			for _, h := range s.rules {
				actual, observed := h.Calc(y)
				for _, t := range []time.Time{actual, observed} {
					if !t.IsZero() && t.Year() == d.Year {
						dates[DateOf(t, t.Location())] = true
					}
				}
			}
		}
		s.years[d.Year] = dates
	}
	return dates[d]
}

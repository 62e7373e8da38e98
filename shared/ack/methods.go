package ack

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
)

// The methods a template may call, on the types it can reach from Data:
// time.Time (.PromisedBy), time.Month and time.Weekday (what its methods
// return) and event.Channel (.Channel). text/template would find any
// exported method by reflection; here they are listed, which is what keeps
// the linker from keeping every method of every type (exec.go). The time's
// accessors and Format are what a message can use; methods that need an
// argument a template cannot make (a *time.Location, a Duration), that
// depend on the server's zone (Local) or that return bytes are not offered,
// and naming one is an error that says so (caught by the lint's execution
// with sample data, when the configuration is loaded).

var (
	timeType    = reflect.TypeFor[time.Time]()
	monthType   = reflect.TypeFor[time.Month]()
	weekdayType = reflect.TypeFor[time.Weekday]()
	channelType = reflect.TypeFor[event.Channel]()
)

// timeMethods are time.Time's methods without arguments that templates may
// call.
var timeMethods = map[string]func(time.Time) any{
	"Day":        func(t time.Time) any { return t.Day() },
	"Hour":       func(t time.Time) any { return t.Hour() },
	"IsDST":      func(t time.Time) any { return t.IsDST() },
	"IsZero":     func(t time.Time) any { return t.IsZero() },
	"Minute":     func(t time.Time) any { return t.Minute() },
	"Month":      func(t time.Time) any { return t.Month() },
	"Nanosecond": func(t time.Time) any { return t.Nanosecond() },
	"Second":     func(t time.Time) any { return t.Second() },
	"String":     func(t time.Time) any { return t.String() },
	"UTC":        func(t time.Time) any { return t.UTC() },
	"Unix":       func(t time.Time) any { return t.Unix() },
	"UnixMicro":  func(t time.Time) any { return t.UnixMicro() },
	"UnixMilli":  func(t time.Time) any { return t.UnixMilli() },
	"UnixNano":   func(t time.Time) any { return t.UnixNano() },
	"Weekday":    func(t time.Time) any { return t.Weekday() },
	"Year":       func(t time.Time) any { return t.Year() },
	"YearDay":    func(t time.Time) any { return t.YearDay() },
}

// unavailable lists, per type, the exported methods templates may not call.
var unavailable = map[reflect.Type][]string{
	timeType: {"Add", "AddDate", "After", "AppendBinary", "AppendFormat", "AppendText", "Before", "Clock", "Compare", "Date",
		"Equal", "GoString", "GobEncode", "ISOWeek", "In", "Local", "Location", "MarshalBinary", "MarshalJSON", "MarshalText",
		"Round", "Sub", "Truncate", "Zone", "ZoneBounds"},
}

func nullary(f func() any) function {
	return function{call: func([]reflect.Value) (reflect.Value, error) { return reflect.ValueOf(f()), nil }}
}

// methodOf returns the method name of v bound to v, if templates may call
// it.
func methodOf(v reflect.Value, name string) (function, bool) {
	if !v.IsValid() || !v.CanInterface() {
		return function{}, false
	}
	switch v.Type() {
	case timeType:
		t := v.Interface().(time.Time)
		if name == "Format" {
			return function{in: []reflect.Type{stringType}, call: func(args []reflect.Value) (reflect.Value, error) {
				return reflect.ValueOf(t.Format(args[0].String())), nil
			}}, true
		}
		if f, ok := timeMethods[name]; ok {
			return nullary(func() any { return f(t) }), true
		}
	case monthType:
		if name == "String" {
			m := v.Interface().(time.Month)
			return nullary(func() any { return m.String() }), true
		}
	case weekdayType:
		if name == "String" {
			d := v.Interface().(time.Weekday)
			return nullary(func() any { return d.String() }), true
		}
	case channelType:
		if name == "RealTime" {
			c := v.Interface().(event.Channel)
			return nullary(func() any { return c.RealTime() }), true
		}
	}
	return function{}, false
}

// unavailableMethod reports whether name is a method of typ that templates
// may not call, and lists those they may.
func unavailableMethod(typ reflect.Type, name string) (available string, ok bool) {
	if !slices.Contains(unavailable[typ], name) {
		return "", false
	}
	var names []string
	if typ == timeType {
		names = append(names, "Format")
		for n := range timeMethods {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", "), true
}

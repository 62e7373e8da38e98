package ack

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"text/template/parse"
)

// The renderer. Templates are parsed by text/template/parse, the parser of
// text/template, and executed here over the parse tree with the semantics
// of text/template's executor (Go 1.26): the same actions, functions, truth,
// comparisons, printing and error messages. What it leaves out is the
// reflective method lookup: text/template finds a method named in a template
// with reflect.Value.MethodByName, and one such call anywhere in a program
// makes the linker keep every exported method of every type the program can
// reach — in the acknowledger, every operation of every AWS client, 5 MB.
// Methods are looked up here in a fixed table instead (methods.go), for the
// few types a template can reach from Data.

// program is a parsed template: the main tree, named name, and those it
// defines.
type program struct {
	name  string
	trees map[string]*parse.Tree
}

// funcNames tells the parser which functions exist: text/template's
// built-ins (the parser wants non-nil values).
var funcNames = func() map[string]any {
	m := map[string]any{}
	for name := range builtins {
		m[name] = true
	}
	return m
}()

// parseProgram parses text as text/template.New(name).Parse(text) does; its
// errors are the parser's, "template: NAME:LINE: MSG".
func parseProgram(name, text string) (*program, error) {
	trees, err := parse.Parse(name, text, "", "", funcNames)
	if err != nil {
		return nil, err
	}
	return &program{name: name, trees: trees}, nil
}

// maxExecDepth bounds {{template}} recursion, as text/template does.
const maxExecDepth = 100000

type variable struct {
	name  string
	value reflect.Value
}

// state is one execution.
type state struct {
	prog  *program
	tree  *parse.Tree // the template executing
	w     io.Writer
	node  parse.Node // the node executing, for errors
	vars  []variable
	depth int
}

// execError and writeError carry errors up the walk as panics, recovered
// at the top of execute.
type execError struct{ err error }
type writeError struct{ err error }

var (
	walkBreak    = errors.New("break")
	walkContinue = errors.New("continue")
)

type missingType struct{}

// missing stands for "no value piped in" as a command's final argument.
var missing = reflect.ValueOf(missingType{})

func isMissing(v reflect.Value) bool {
	return v.IsValid() && v.Type() == reflect.TypeFor[missingType]()
}

// execute runs the program with data as dot, writing to w. An error is
// text/template's: "template: NAME:LINE:COL: executing ...", or w's.
func (p *program) execute(w io.Writer, data any) (err error) {
	defer func() {
		if e := recover(); e != nil {
			switch e := e.(type) {
			case runtime.Error:
				panic(e)
			case writeError:
				err = e.err
			case execError:
				err = e.err
			default:
				panic(e)
			}
		}
	}()
	value := reflect.ValueOf(data)
	s := &state{prog: p, tree: p.trees[p.name], w: w, vars: []variable{{"$", value}}}
	if s.tree == nil || s.tree.Root == nil {
		s.tree = &parse.Tree{Name: p.name}
		s.errorf("%q is an incomplete or empty template", p.name)
	}
	s.walk(value, s.tree.Root)
	return nil
}

func (s *state) push(name string, value reflect.Value) {
	s.vars = append(s.vars, variable{name, value})
}
func (s *state) mark() int    { return len(s.vars) }
func (s *state) pop(mark int) { s.vars = s.vars[:mark] }

func (s *state) setVar(name string, value reflect.Value) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			s.vars[i].value = value
			return
		}
	}
	s.errorf("undefined variable: %s", name)
}

func (s *state) setTopVar(n int, value reflect.Value) { s.vars[len(s.vars)-n].value = value }

func (s *state) varValue(name string) reflect.Value {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].value
		}
	}
	s.errorf("undefined variable: %s", name)
	return reflect.Value{}
}

func (s *state) at(node parse.Node) { s.node = node }

func doublePercent(str string) string { return strings.ReplaceAll(str, "%", "%%") }

// errorf stops the execution with an error in text/template's form, at the
// node executing.
func (s *state) errorf(format string, args ...any) {
	name := doublePercent(s.tree.Name)
	if s.node == nil {
		format = fmt.Sprintf("template: %s: %s", name, format)
	} else {
		location, context := s.tree.ErrorContext(s.node)
		format = fmt.Sprintf("template: %s: executing %q at <%s>: %s", location, name, doublePercent(context), format)
	}
	panic(execError{fmt.Errorf(format, args...)})
}

func (s *state) write(p []byte) {
	if _, err := s.w.Write(p); err != nil {
		panic(writeError{err})
	}
}

func (s *state) walk(dot reflect.Value, node parse.Node) {
	s.at(node)
	switch node := node.(type) {
	case *parse.ActionNode:
		// Variables the action declares persist until the enclosing end;
		// an action that declares variables prints nothing.
		val := s.evalPipeline(dot, node.Pipe)
		if len(node.Pipe.Decl) == 0 {
			s.printValue(node, val)
		}
	case *parse.BreakNode:
		panic(walkBreak)
	case *parse.CommentNode:
	case *parse.ContinueNode:
		panic(walkContinue)
	case *parse.IfNode:
		s.walkIfOrWith(parse.NodeIf, dot, node.Pipe, node.List, node.ElseList)
	case *parse.ListNode:
		for _, n := range node.Nodes {
			s.walk(dot, n)
		}
	case *parse.RangeNode:
		s.walkRange(dot, node)
	case *parse.TemplateNode:
		s.walkTemplate(dot, node)
	case *parse.TextNode:
		s.write(node.Text)
	case *parse.WithNode:
		s.walkIfOrWith(parse.NodeWith, dot, node.Pipe, node.List, node.ElseList)
	default:
		s.errorf("unknown node: %s", node)
	}
}

func (s *state) walkIfOrWith(typ parse.NodeType, dot reflect.Value, pipe *parse.PipeNode, list, elseList *parse.ListNode) {
	defer s.pop(s.mark())
	val := s.evalPipeline(dot, pipe)
	truth, ok := isTrue(indirectInterface(val))
	if !ok {
		s.errorf("if/with can't use %v", val)
	}
	switch {
	case truth && typ == parse.NodeWith:
		s.walk(val, list)
	case truth:
		s.walk(dot, list)
	case elseList != nil:
		s.walk(dot, elseList)
	}
}

// isTrue is text/template's truth: not the zero value of its type; ok is
// false for a value that has no truth (a func or a channel: none reach a
// template here).
func isTrue(val reflect.Value) (truth, ok bool) {
	if !val.IsValid() {
		return false, true
	}
	switch val.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		truth = val.Len() > 0
	case reflect.Bool:
		truth = val.Bool()
	case reflect.Complex64, reflect.Complex128:
		truth = val.Complex() != 0
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		truth = !val.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		truth = val.Int() != 0
	case reflect.Float32, reflect.Float64:
		truth = val.Float() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		truth = val.Uint() != 0
	case reflect.Struct:
		truth = true
	default:
		return false, false
	}
	return truth, true
}

func (s *state) walkRange(dot reflect.Value, r *parse.RangeNode) {
	s.at(r)
	defer func() {
		if e := recover(); e != nil && e != walkBreak {
			panic(e)
		}
	}()
	defer s.pop(s.mark())
	val, _ := indirect(s.evalPipeline(dot, r.Pipe))
	mark := s.mark()
	oneIteration := func(index, elem reflect.Value) {
		if len(r.Pipe.Decl) > 0 {
			if r.Pipe.IsAssign {
				if len(r.Pipe.Decl) > 1 {
					s.setVar(r.Pipe.Decl[0].Ident[0], index)
				} else {
					s.setVar(r.Pipe.Decl[0].Ident[0], elem)
				}
			} else {
				s.setTopVar(1, elem)
			}
		}
		if len(r.Pipe.Decl) > 1 {
			if r.Pipe.IsAssign {
				s.setVar(r.Pipe.Decl[1].Ident[0], elem)
			} else {
				s.setTopVar(2, index)
			}
		}
		defer s.pop(mark)
		defer func() {
			if e := recover(); e != nil && e != walkContinue {
				panic(e)
			}
		}()
		s.walk(elem, r.List)
	}
	// Data holds no slice, map, channel or function: what a template can
	// range over is an integer (Go 1.22's range over int), or nothing.
	switch val.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if len(r.Pipe.Decl) > 1 {
			s.errorf("can't use %v to iterate over more than one variable", val)
			break
		}
		run := false
		for v := range val.Seq() {
			run = true
			oneIteration(reflect.Value{}, v)
		}
		if !run {
			break
		}
		return
	case reflect.Invalid:
	default:
		s.errorf("range can't iterate over %v", val)
	}
	if r.ElseList != nil {
		s.walk(dot, r.ElseList)
	}
}

func (s *state) walkTemplate(dot reflect.Value, t *parse.TemplateNode) {
	s.at(t)
	tree := s.prog.trees[t.Name]
	if tree == nil {
		s.errorf("template %q not defined", t.Name)
	}
	if s.depth == maxExecDepth {
		s.errorf("exceeded maximum template depth (%v)", maxExecDepth)
	}
	dot = s.evalPipeline(dot, t.Pipe)
	ns := *s
	ns.depth++
	ns.tree = tree
	// No dynamic scoping: the template sees only $.
	ns.vars = []variable{{"$", dot}}
	ns.walk(dot, tree.Root)
}

// evalPipeline evaluates a pipeline; variables it declares are pushed, and
// the caller pops them.
func (s *state) evalPipeline(dot reflect.Value, pipe *parse.PipeNode) (value reflect.Value) {
	if pipe == nil {
		return
	}
	s.at(pipe)
	value = missing
	for _, cmd := range pipe.Cmds {
		value = s.evalCommand(dot, cmd, value) // the previous value is this one's final argument
		if value.Kind() == reflect.Interface && value.Type().NumMethod() == 0 {
			value = value.Elem()
		}
	}
	for _, v := range pipe.Decl {
		if pipe.IsAssign {
			s.setVar(v.Ident[0], value)
		} else {
			s.push(v.Ident[0], value)
		}
	}
	return value
}

func (s *state) notAFunction(args []parse.Node, final reflect.Value) {
	if len(args) > 1 || !isMissing(final) {
		s.errorf("can't give argument to non-function %s", args[0])
	}
}

func (s *state) evalCommand(dot reflect.Value, cmd *parse.CommandNode, final reflect.Value) reflect.Value {
	first := cmd.Args[0]
	switch n := first.(type) {
	case *parse.FieldNode:
		return s.evalFieldNode(dot, n, cmd.Args, final)
	case *parse.ChainNode:
		return s.evalChainNode(dot, n, cmd.Args, final)
	case *parse.IdentifierNode:
		return s.evalFunction(dot, n, cmd, cmd.Args, final)
	case *parse.PipeNode:
		s.notAFunction(cmd.Args, final)
		return s.evalPipeline(dot, n)
	case *parse.VariableNode:
		return s.evalVariableNode(dot, n, cmd.Args, final)
	}
	s.at(first)
	s.notAFunction(cmd.Args, final)
	switch word := first.(type) {
	case *parse.BoolNode:
		return reflect.ValueOf(word.True)
	case *parse.DotNode:
		return dot
	case *parse.NilNode:
		s.errorf("nil is not a command")
	case *parse.NumberNode:
		return s.idealConstant(word)
	case *parse.StringNode:
		return reflect.ValueOf(word.Text)
	}
	s.errorf("can't evaluate command %q", first)
	panic("not reached")
}

// idealConstant is a number where no type is known: its syntax decides, by
// Go's rules.
func (s *state) idealConstant(c *parse.NumberNode) reflect.Value {
	s.at(c)
	switch {
	case c.IsComplex:
		return reflect.ValueOf(c.Complex128)
	case c.IsFloat && !isHexInt(c.Text) && !isRuneInt(c.Text) && strings.ContainsAny(c.Text, ".eEpP"):
		return reflect.ValueOf(c.Float64)
	case c.IsInt:
		n := int(c.Int64)
		if int64(n) != c.Int64 {
			s.errorf("%s overflows int", c.Text)
		}
		return reflect.ValueOf(n)
	case c.IsUint:
		s.errorf("%s overflows int", c.Text)
	}
	return reflect.Value{}
}

func isRuneInt(s string) bool { return len(s) > 0 && s[0] == '\'' }

func isHexInt(s string) bool {
	return len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !strings.ContainsAny(s, "pP")
}

func (s *state) evalFieldNode(dot reflect.Value, field *parse.FieldNode, args []parse.Node, final reflect.Value) reflect.Value {
	s.at(field)
	return s.evalFieldChain(dot, dot, field, field.Ident, args, final)
}

func (s *state) evalChainNode(dot reflect.Value, chain *parse.ChainNode, args []parse.Node, final reflect.Value) reflect.Value {
	s.at(chain)
	if len(chain.Field) == 0 {
		s.errorf("internal error: no fields in evalChainNode")
	}
	if chain.Node.Type() == parse.NodeNil {
		s.errorf("indirection through explicit nil in %s", chain)
	}
	pipe := s.evalArg(dot, nil, chain.Node)
	return s.evalFieldChain(dot, pipe, chain, chain.Field, args, final)
}

func (s *state) evalVariableNode(dot reflect.Value, v *parse.VariableNode, args []parse.Node, final reflect.Value) reflect.Value {
	s.at(v)
	value := s.varValue(v.Ident[0])
	if len(v.Ident) == 1 {
		s.notAFunction(args, final)
		return value
	}
	return s.evalFieldChain(dot, value, v, v.Ident[1:], args, final)
}

// evalFieldChain evaluates .X.Y.Z, the last possibly a method given args.
func (s *state) evalFieldChain(dot, receiver reflect.Value, node parse.Node, ident []string, args []parse.Node, final reflect.Value) reflect.Value {
	n := len(ident)
	for i := range n - 1 {
		receiver = s.evalField(dot, ident[i], node, nil, missing, receiver)
	}
	return s.evalField(dot, ident[n-1], node, args, final, receiver)
}

func (s *state) evalFunction(dot reflect.Value, node *parse.IdentifierNode, cmd parse.Node, args []parse.Node, final reflect.Value) reflect.Value {
	s.at(node)
	name := node.Ident
	f, ok := builtins[name]
	if !ok {
		s.errorf("%q is not a defined function", name)
	}
	return s.evalCall(dot, f, true, cmd, name, args, final)
}

// evalField evaluates .Field or .Method args... on receiver. The templates
// run with missingkey=error.
func (s *state) evalField(dot reflect.Value, fieldName string, node parse.Node, args []parse.Node, final, receiver reflect.Value) reflect.Value {
	if !receiver.IsValid() {
		s.errorf("nil data; no entry for key %q", fieldName)
	}
	typ := receiver.Type()
	receiver, isNil := indirect(receiver)
	if receiver.Kind() == reflect.Interface && isNil {
		s.errorf("nil pointer evaluating %s.%s", typ, fieldName)
	}
	if m, ok := methodOf(receiver, fieldName); ok {
		return s.evalCall(dot, m, false, node, fieldName, args, final)
	}
	if avail, ok := unavailableMethod(receiver.Type(), fieldName); ok {
		s.errorf("method %s of type %s is not available in acknowledgement templates (available: %s)", fieldName, typ, avail)
	}
	hasArgs := len(args) > 1 || !isMissing(final)
	if receiver.Kind() == reflect.Struct {
		if field, ok := s.field(receiver, fieldName, typ); ok {
			if hasArgs {
				s.errorf("%s has arguments but cannot be invoked as function", fieldName)
			}
			return field
		}
	}
	s.errorf("can't evaluate field %s in type %s", fieldName, typ)
	panic("not reached")
}

// dataField indexes Data's fields by name.
var dataField = func() map[string]int {
	t := reflect.TypeFor[Data]()
	m := map[string]int{}
	for i := range t.NumField() {
		m[t.Field(i).Name] = i
	}
	return m
}()

// field returns the struct field name of v: Data's by its index, any other
// struct's (time.Time: unexported ones only) by name.
func (s *state) field(v reflect.Value, name string, typ reflect.Type) (reflect.Value, bool) {
	if v.Type() == reflect.TypeFor[Data]() {
		i, ok := dataField[name]
		if !ok {
			return reflect.Value{}, false
		}
		return v.Field(i), true
	}
	f, ok := v.Type().FieldByName(name)
	if !ok {
		return reflect.Value{}, false
	}
	if !f.IsExported() {
		s.errorf("%s is an unexported field of struct type %s", name, typ)
	}
	field, err := v.FieldByIndexErr(f.Index)
	if err != nil {
		s.errorf("%v", err)
	}
	return field, true
}

var (
	errorType        = reflect.TypeFor[error]()
	fmtStringerType  = reflect.TypeFor[fmt.Stringer]()
	reflectValueType = reflect.TypeFor[reflect.Value]()
	anyType          = reflect.TypeFor[any]()
	stringType       = reflect.TypeFor[string]()
)

// evalCall calls a function or a bound method. args, if non-nil, starts
// with the function's own node.
func (s *state) evalCall(dot reflect.Value, f function, isBuiltin bool, node parse.Node, name string, args []parse.Node, final reflect.Value) reflect.Value {
	if args != nil {
		args = args[1:]
	}
	numIn := len(args)
	if !isMissing(final) {
		numIn++
	}
	numFixed := len(args)
	if f.variadic {
		numFixed = len(f.in) - 1
		if numIn < numFixed {
			s.errorf("wrong number of args for %s: want at least %d got %d", name, len(f.in)-1, len(args))
		}
	} else if numIn != len(f.in) {
		s.errorf("wrong number of args for %s: want %d got %d", name, len(f.in), numIn)
	}

	// and and or short-circuit.
	if isBuiltin && (name == "and" || name == "or") {
		argType := f.in[0]
		var v reflect.Value
		for _, arg := range args {
			v = s.evalArg(dot, argType, arg)
			if truth(v) == (name == "or") {
				return v
			}
		}
		if !isMissing(final) {
			v = s.validateType(final, argType)
		}
		return v
	}

	argv := make([]reflect.Value, numIn)
	i := 0
	for ; i < numFixed && i < len(args); i++ {
		argv[i] = s.evalArg(dot, f.in[i], args[i])
	}
	if f.variadic {
		argType := f.in[len(f.in)-1]
		for ; i < len(args); i++ {
			argv[i] = s.evalArg(dot, argType, args[i])
		}
	}
	if !isMissing(final) {
		t := f.in[len(f.in)-1]
		if f.variadic && numIn-1 < numFixed {
			t = f.in[numIn-1]
		}
		argv[i] = s.validateType(final, t)
	}

	call := f.call
	if isBuiltin && name == "call" {
		callee := ""
		if len(args) == 0 {
			callee = final.String()
		} else {
			callee = args[0].String()
		}
		call = func(argv []reflect.Value) (reflect.Value, error) { return callFunc(callee, argv[0]) }
	}
	v, err := safeCall(call, argv)
	if err != nil {
		s.at(node)
		s.errorf("error calling %s: %w", name, err)
	}
	return v
}

func safeCall(call func([]reflect.Value) (reflect.Value, error), argv []reflect.Value) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	return call(argv)
}

// canBeNil reports whether an untyped nil can be given for typ.
func canBeNil(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
		return true
	case reflect.Struct:
		return typ == reflectValueType
	}
	return false
}

// validateType checks that value can be passed as typ. A reflect.Value
// parameter takes any value, none included, as it is.
func (s *state) validateType(value reflect.Value, typ reflect.Type) reflect.Value {
	if typ == reflectValueType {
		return value
	}
	if !value.IsValid() {
		if typ == nil {
			return reflect.ValueOf(nil)
		}
		if canBeNil(typ) {
			return reflect.Zero(typ)
		}
		s.errorf("invalid value; expected %s", typ)
	}
	if typ != nil && !value.Type().AssignableTo(typ) {
		if value.Kind() == reflect.Interface && !value.IsNil() {
			value = value.Elem()
			if value.Type().AssignableTo(typ) {
				return value
			}
		}
		switch {
		case value.Kind() == reflect.Pointer && value.Type().Elem().AssignableTo(typ):
			value = value.Elem()
			if !value.IsValid() {
				s.errorf("dereference of nil pointer of type %s", typ)
			}
		case reflect.PointerTo(value.Type()).AssignableTo(typ) && value.CanAddr():
			value = value.Addr()
		default:
			s.errorf("wrong type for value; expected %s; got %s", typ, value.Type())
		}
	}
	return value
}

func (s *state) evalArg(dot reflect.Value, typ reflect.Type, n parse.Node) reflect.Value {
	s.at(n)
	switch arg := n.(type) {
	case *parse.DotNode:
		return s.validateType(dot, typ)
	case *parse.NilNode:
		if typ == reflectValueType {
			return reflect.Value{}
		}
		if canBeNil(typ) {
			return reflect.Zero(typ)
		}
		s.errorf("cannot assign nil to %s", typ)
	case *parse.FieldNode:
		return s.validateType(s.evalFieldNode(dot, arg, []parse.Node{n}, missing), typ)
	case *parse.VariableNode:
		return s.validateType(s.evalVariableNode(dot, arg, nil, missing), typ)
	case *parse.PipeNode:
		return s.validateType(s.evalPipeline(dot, arg), typ)
	case *parse.IdentifierNode:
		return s.validateType(s.evalFunction(dot, arg, arg, nil, missing), typ)
	case *parse.ChainNode:
		return s.validateType(s.evalChainNode(dot, arg, nil, missing), typ)
	}
	// A constant, for a parameter of type typ: the parameters of the
	// functions and available methods are reflect.Value, any or string.
	if typ == nil {
		s.errorf("can't handle %s here", n)
	}
	if typ == reflectValueType || typ == anyType {
		return s.evalEmptyInterface(dot, n)
	}
	if typ.Kind() == reflect.String {
		if n, ok := n.(*parse.StringNode); ok {
			return reflect.ValueOf(n.Text).Convert(typ)
		}
		s.errorf("expected string; found %s", n)
	}
	s.errorf("can't handle %s for arg of type %s", n, typ)
	panic("not reached")
}

func (s *state) evalEmptyInterface(dot reflect.Value, n parse.Node) reflect.Value {
	s.at(n)
	switch n := n.(type) {
	case *parse.BoolNode:
		return reflect.ValueOf(n.True)
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return s.evalFieldNode(dot, n, nil, missing)
	case *parse.IdentifierNode:
		return s.evalFunction(dot, n, n, nil, missing)
	case *parse.NilNode:
		s.errorf("evalEmptyInterface: nil (can't happen)")
	case *parse.NumberNode:
		return s.idealConstant(n)
	case *parse.StringNode:
		return reflect.ValueOf(n.Text)
	case *parse.VariableNode:
		return s.evalVariableNode(dot, n, nil, missing)
	case *parse.PipeNode:
		return s.evalPipeline(dot, n)
	}
	s.errorf("can't handle assignment of %s to empty interface argument", n)
	panic("not reached")
}

// indirect follows pointers and interfaces; isNil reports a nil one.
func indirect(v reflect.Value) (rv reflect.Value, isNil bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
	}
	return v, false
}

// indirectInterface returns the value inside an interface value, or the
// zero Value for a nil one.
func indirectInterface(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Interface {
		return v
	}
	if v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

func (s *state) printValue(n parse.Node, v reflect.Value) {
	s.at(n)
	iface, ok := printableValue(v)
	if !ok {
		s.errorf("can't print %s of type %s", n, v.Type())
	}
	if _, err := fmt.Fprint(s.w, iface); err != nil {
		panic(writeError{err})
	}
}

// printableValue returns what fmt prints for v, as text/template does.
func printableValue(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		v, _ = indirect(v)
	}
	if !v.IsValid() {
		return "<no value>", true
	}
	if !v.Type().Implements(errorType) && !v.Type().Implements(fmtStringerType) {
		if v.CanAddr() && (reflect.PointerTo(v.Type()).Implements(errorType) || reflect.PointerTo(v.Type()).Implements(fmtStringerType)) {
			v = v.Addr()
		} else {
			switch v.Kind() {
			case reflect.Chan, reflect.Func:
				return nil, false
			}
		}
	}
	return v.Interface(), true
}

// walkOrder returns the trees, the main one first, then by name.
func (p *program) walkOrder() []*parse.Tree {
	names := make([]string, 0, len(p.trees))
	for n := range p.trees {
		if n != p.name {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]*parse.Tree, 0, len(p.trees))
	if t := p.trees[p.name]; t != nil {
		out = append(out, t)
	}
	for _, n := range names {
		out = append(out, p.trees[n])
	}
	return out
}

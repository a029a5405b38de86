package sqlgen

import (
	"strconv"
	"strings"

	ast "github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// aggNames are Insights' aggregate functions (lowercase).
var aggNames = map[string]bool{
	"count": true, "count_distinct": true, "sum": true, "avg": true, "stddev": true, "min": true,
	"max": true, "sortsfirst": true, "sortslast": true, "earliest": true, "latest": true, "pct": true,
}

func isAgg(e ast.Expr) bool {
	c, ok := e.(*ast.Call)
	return ok && aggNames[strings.ToLower(c.Name)]
}

func (t *tr) call(sc *scope, e *ast.Call) (texpr, error) {
	name := strings.ToLower(e.Name)
	if aggNames[name] {
		if sc.aggIn == nil {
			return texpr{}, ast.Errorf(e.Sp, "%s() is an aggregate function: it can only be used in stats", e.Name)
		}
		return t.agg(sc, e, name)
	}
	arity := func(min, max int) error {
		if len(e.Args) < min || len(e.Args) > max {
			return ast.Errorf(e.Sp, "%s() takes %d to %d argument(s), got %d", e.Name, min, max, len(e.Args))
		}
		return nil
	}
	switch name {
	case "bin":
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		ts, err := t.field(sc.rowScope(), "@timestamp", e.Sp)
		if err != nil {
			return texpr{}, err
		}
		p, n, err := periodArg(e.Args[0], "bin")
		if err != nil {
			return texpr{}, err
		}
		return t.dateRound(ts, p, n, false, e.Sp)
	case "datefloor", "dateceil":
		if err := arity(2, 2); err != nil {
			return texpr{}, err
		}
		ts, err := t.expr(sc, e.Args[0])
		if err != nil {
			return texpr{}, err
		}
		p, n, err := periodArg(e.Args[1], name)
		if err != nil {
			return texpr{}, err
		}
		return t.dateRound(ts, p, n, name == "dateceil", e.Sp)
	}
	args := make([]texpr, len(e.Args))
	for i, a := range e.Args {
		x, err := t.expr(sc, a)
		if err != nil {
			return texpr{}, err
		}
		args[i] = x
	}
	texts := func() ([]string, error) {
		out := make([]string, len(args))
		for i, a := range args {
			s, err := t.text(a, e.Args[i].Pos())
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	num1 := func(f func(x string) string) (texpr, error) {
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		return texpr{sql: f(t.num(args[0])), t: tNum}, nil
	}
	str1 := func(min, max int, f func(s []string) string, ty vtype) (texpr, error) {
		if err := arity(min, max); err != nil {
			return texpr{}, err
		}
		s, err := texts()
		if err != nil {
			return texpr{}, err
		}
		return texpr{sql: f(s), t: ty, isInt: ty == tNum}, nil
	}
	switch name {
	case "abs":
		return num1(func(x string) string { return "abs(" + x + ")" })
	case "ceil":
		return num1(func(x string) string { return "ceil(" + x + ")" })
	case "floor":
		return num1(func(x string) string { return "floor(" + x + ")" })
	case "sqrt":
		return num1(func(x string) string { return "(CASE WHEN " + x + " >= 0 THEN sqrt(" + x + ") END)" })
	case "log":
		return num1(func(x string) string { return "(CASE WHEN " + x + " > 0 THEN ln(" + x + ") END)" })
	case "round":
		if len(e.Args) != 1 {
			return texpr{}, ast.Errorf(e.Sp, "round() with a number of digits rounds the decimal text in Insights, which SQL's binary rounding does not reproduce")
		}
		return num1(func(x string) string { return "round(" + x + ")" })
	case "ispresent":
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		return texpr{sql: "(" + args[0].sql + " IS NOT NULL)", t: tBool}, nil
	case "isempty":
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		if args[0].t != tStr {
			return texpr{sql: "(" + args[0].sql + " IS NULL)", t: tBool}, nil
		}
		return texpr{sql: "(" + args[0].sql + " IS NULL OR " + args[0].sql + " = '')", t: tBool}, nil
	case "isblank":
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		if args[0].t != tStr {
			return texpr{sql: "(" + args[0].sql + " IS NULL)", t: tBool}, nil
		}
		return texpr{sql: "(" + args[0].sql + " IS NULL OR " + t.d.regexMatch(args[0].sql, `^`+wsClass+`*\z`) + ")", t: tBool}, nil
	case "coalesce":
		if len(args) == 0 {
			return texpr{}, ast.Errorf(e.Sp, "coalesce() takes at least one argument")
		}
		ty := args[0].t
		parts := []string{}
		for i, a := range args {
			if a.t != ty {
				return texpr{}, ast.Errorf(e.Args[i].Pos(), "coalesce(): arguments of different types (text, number, timestamp) have no single SQL type")
			}
			parts = append(parts, a.sql)
		}
		return texpr{sql: "coalesce(" + strings.Join(parts, ", ") + ")", t: ty}, nil
	case "if":
		if err := arity(3, 3); err != nil {
			return texpr{}, err
		}
		a, b := t.boolValue(args[1]), t.boolValue(args[2])
		if a.t != b.t {
			return texpr{}, ast.Errorf(e.Sp, "if(): the two values have different types (text, number, timestamp), which SQL cannot return from one expression")
		}
		return texpr{sql: "(CASE WHEN " + t.cond(args[0]) + " THEN " + a.sql + " ELSE " + b.sql + " END)", t: a.t, isInt: a.isInt && b.isInt}, nil
	case "concat":
		s, err := texts()
		if err != nil {
			return texpr{}, err
		}
		var nulls, parts []string
		for _, x := range s {
			nulls = append(nulls, x+" IS NULL")
			parts = append(parts, "coalesce("+x+", '')")
		}
		return strExpr("(CASE WHEN " + strings.Join(nulls, " AND ") + " THEN NULL ELSE " + strings.Join(parts, " || ") + " END)"), nil
	case "strlen":
		return str1(1, 1, func(s []string) string { return "length(" + s[0] + ")" }, tNum)
	case "toupper":
		return str1(1, 1, func(s []string) string { return "upper(" + s[0] + ")" }, tStr)
	case "tolower":
		return str1(1, 1, func(s []string) string { return "lower(" + s[0] + ")" }, tStr)
	case "trim", "ltrim", "rtrim":
		if len(args) != 1 {
			return texpr{}, ast.Errorf(e.Sp, "%s() with a set of characters has no SQL translation", e.Name)
		}
		return str1(1, 1, func(s []string) string {
			x := s[0]
			if name != "rtrim" {
				x = "regexp_replace(" + x + ", " + t.d.str(`^`+wsClass+`+`) + ", '')"
			}
			if name != "ltrim" {
				x = "regexp_replace(" + x + ", " + t.d.str(wsClass+`+\z`) + ", '')"
			}
			return x
		}, tStr)
	case "substr":
		if err := arity(2, 3); err != nil {
			return texpr{}, err
		}
		var ints []int
		for _, a := range args[1:] {
			if a.lit == nil || !a.isNum || !a.isInt {
				return texpr{}, ast.Errorf(e.Sp, "substr(): the start and length must be integer literals for a SQL translation")
			}
			n, _ := strconv.Atoi(*a.lit)
			ints = append(ints, max(n, 0))
		}
		s, err := t.text(args[0], e.Args[0].Pos())
		if err != nil {
			return texpr{}, err
		}
		if len(ints) == 1 {
			return strExpr("substr(" + s + ", " + strconv.Itoa(ints[0]+1) + ")"), nil
		}
		return strExpr("substr(" + s + ", " + strconv.Itoa(ints[0]+1) + ", " + strconv.Itoa(ints[1]) + ")"), nil
	case "strcontains":
		if len(args) == 3 {
			if args[2].lit == nil || *args[2].lit != "0" {
				return texpr{}, ast.Errorf(e.Args[2].Pos(), "strcontains(): case-insensitive matching folds case as Go does, which SQL's lower() does not reproduce")
			}
			args = args[:2]
		}
		return str1(2, 3, func(s []string) string { return "(" + t.d.strpos(s[0], s[1]) + " > 0)" }, tBool)
	case "startswith":
		return str1(2, 2, func(s []string) string { return "(" + t.d.strpos(s[0], s[1]) + " = 1 OR " + s[1] + " = '')" }, tBool)
	case "endswith":
		return str1(2, 2, func(s []string) string {
			return "(" + t.d.strpos("reverse("+s[0]+")", "reverse("+s[1]+")") + " = 1 OR " + s[1] + " = '')"
		}, tBool)
	case "replace":
		return str1(3, 3, func(s []string) string {
			return "(CASE WHEN " + s[1] + " = '' THEN " + s[0] + " ELSE replace(" + s[0] + ", " + s[1] + ", " + s[2] + ") END)"
		}, tStr)
	case "querystarttime", "queryendtime", "querytimerange":
		// The bounds of the time range given (Options.Start/End) in epoch ms, as pkg/match
		// has them; absent without one.
		if err := arity(0, 0); err != nil {
			return texpr{}, err
		}
		var ms int64
		switch {
		case name == "querystarttime" && !t.o.Start.IsZero():
			ms = t.o.Start.UnixMilli()
		case name == "queryendtime" && !t.o.End.IsZero():
			ms = t.o.End.UnixMilli()
		case name == "querytimerange" && !t.o.Start.IsZero() && !t.o.End.IsZero():
			ms = t.o.End.UnixMilli() - t.o.Start.UnixMilli()
		default:
			return t.nullOf(tNum), nil
		}
		s := strconv.FormatInt(ms, 10)
		return texpr{sql: s, t: tNum, isInt: true, lit: &s, isNum: true}, nil
	case "tomillis":
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		if args[0].t != tTime {
			return texpr{}, ast.Errorf(e.Args[0].Pos(), "toMillis(): the argument must be a timestamp for a SQL translation")
		}
		return texpr{sql: t.d.epochMs(args[0].sql), t: tNum, isInt: true}, nil
	case "frommillis":
		if err := arity(1, 1); err != nil {
			return texpr{}, err
		}
		return texpr{sql: t.d.fromEpochMs("floor(" + t.num(args[0]) + ")"), t: tTime}, nil
	case "isvalidipv4", "isvalidip":
		if name == "isvalidip" {
			return texpr{}, ast.Errorf(e.Sp, "isValidIp() accepts IPv6 text, which has no portable SQL parser; use isValidIpV4()")
		}
		return str1(1, 1, func(s []string) string { v, _ := t.ipv4Number(s[0]); return v }, tBool)
	case "ipv4tonumber":
		return str1(1, 1, func(s []string) string { _, n := t.ipv4Number(s[0]); return n }, tNum)
	case "isipv4insubnet":
		if err := arity(2, 2); err != nil {
			return texpr{}, err
		}
		if args[1].lit == nil {
			return texpr{}, ast.Errorf(e.Args[1].Pos(), "isIpv4InSubnet(): the subnet must be a string literal for a SQL translation")
		}
		s, err := t.text(args[0], e.Args[0].Pos())
		if err != nil {
			return texpr{}, err
		}
		valid, n := t.ipv4Number(s)
		lo, hi, ok := cidrRange(*args[1].lit)
		if !ok {
			// An invalid CIDR is false for every present address.
			return texpr{sql: "(CASE WHEN " + s + " IS NOT NULL THEN FALSE END)", t: tBool}, nil
		}
		return texpr{sql: "(CASE WHEN " + s + " IS NULL THEN NULL WHEN " + valid + " THEN " + n + " BETWEEN " + strconv.FormatUint(uint64(lo), 10) + " AND " + strconv.FormatUint(uint64(hi), 10) + " ELSE FALSE END)", t: tBool}, nil
	}
	return texpr{}, ast.Errorf(e.Sp, "function %s() has no faithful SQL translation", e.Name)
}

// agg translates an aggregate call; its argument is evaluated over the stats input rows.
func (t *tr) agg(sc *scope, e *ast.Call, name string) (texpr, error) {
	in := sc.aggIn
	if name == "count" && (len(e.Args) == 0 || isStar(e.Args)) {
		return texpr{sql: "count(*)", t: tNum, isInt: true}, nil
	}
	want := 1
	if name == "pct" {
		want = 2
	}
	if len(e.Args) != want {
		return texpr{}, ast.Errorf(e.Sp, "%s() takes %d argument(s), got %d", e.Name, want, len(e.Args))
	}
	if isAgg(e.Args[0]) {
		return texpr{}, ast.Errorf(e.Args[0].Pos(), "an aggregate cannot contain another aggregate")
	}
	x, err := t.expr(in, e.Args[0])
	if err != nil {
		return texpr{}, err
	}
	x = t.boolValue(x)
	switch name {
	case "count":
		return texpr{sql: "count(" + x.sql + ")", t: tNum, isInt: true}, nil
	case "count_distinct":
		// Exact, like pkg/match; CloudWatch's own count_distinct is an estimate.
		return texpr{sql: "count(DISTINCT " + x.sql + ")", t: tNum, isInt: true}, nil
	case "sum":
		return texpr{sql: "sum(CAST(" + t.num(x) + " AS DOUBLE))", t: tNum}, nil
	case "avg":
		return texpr{sql: "avg(CAST(" + t.num(x) + " AS DOUBLE))", t: tNum}, nil
	case "stddev":
		// The sample deviation (A40) from Σx and Σx², like pkg/match: exact for whole numbers
		// (sums below 2^53), where stddev_samp's running update can differ in the last digit.
		n := "CAST(" + t.num(x) + " AS DOUBLE)"
		c := "count(" + n + ")"
		return texpr{sql: "(CASE WHEN " + c + " = 1 THEN 0 ELSE sqrt(greatest(0, (" + c + " * sum(" + n + " * " + n + ") - sum(" + n + ") * sum(" + n + ")) / (" + c + " * (" + c + " - 1.0)))) END)", t: tNum}, nil
	case "pct":
		p, ok := e.Args[1].(*ast.NumLit)
		if !ok || p.Val < 0 || p.Val > 100 {
			return texpr{}, ast.Errorf(e.Args[1].Pos(), "pct(): the percentile must be a number literal from 0 to 100")
		}
		return texpr{sql: t.d.pct("CAST("+t.num(x)+" AS DOUBLE)", p.Val), t: tNum}, nil
	case "earliest", "latest":
		ts, err := t.field(in, "@timestamp", e.Sp)
		if err != nil {
			return texpr{}, err
		}
		if ts.t != tTime {
			return texpr{}, ast.Errorf(e.Sp, "%s() needs @timestamp, which the stats input does not have", e.Name)
		}
		f := t.d.argMin
		if name == "latest" {
			f = t.d.argMax
		}
		return texpr{sql: f(x.sql, ts.sql) + " FILTER (WHERE " + x.sql + " IS NOT NULL)", t: x.t, isInt: x.isInt}, nil
	case "min", "max", "sortsfirst", "sortslast":
		if x.t != tStr {
			f := "min"
			if name == "max" || name == "sortslast" {
				f = "max"
			}
			return texpr{sql: f + "(" + x.sql + ")", t: x.t, isInt: x.isInt}, nil
		}
		// Text in the natural order (spec §5.5): other strings, by chunks, before numbers,
		// numerically. min and max prefer numbers in both directions (pkg/match minCompare:
		// min of [5, "N/A", 3] is 3); sortsFirst and sortsLast take the order as it is.
		isNum := t.d.regexMatch(x.sql, sortNumRe)
		num := "CASE WHEN " + isNum + " THEN CAST(" + x.sql + " AS DOUBLE) ELSE 0 END"
		chunks := t.d.chunks("CASE WHEN " + isNum + " THEN '' ELSE " + x.sql + " END")
		flag := "CASE WHEN " + isNum + " THEN 1 ELSE 0 END"
		if name == "min" {
			flag = "CASE WHEN " + isNum + " THEN 0 ELSE 1 END"
		}
		key := t.d.row([]string{flag, num, chunks, x.sql})
		if name == "min" || name == "sortsfirst" {
			return texpr{sql: t.d.argMin(x.sql, key), t: tStr}, nil
		}
		return texpr{sql: t.d.argMax(x.sql, key), t: tStr}, nil
	}
	return texpr{}, ast.Errorf(e.Sp, "aggregate %s() has no faithful SQL translation", e.Name)
}

func isStar(args []ast.Expr) bool {
	if len(args) != 1 {
		return false
	}
	_, ok := args[0].(*ast.Star)
	return ok
}

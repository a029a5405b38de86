package convert

import (
	"fmt"
	"strings"
	"testing"
)

// show renders the typed columns the extractor found, by column name.
func show(f *fields) string {
	var b []string
	for c := range numColumns {
		if !f.has[c] {
			continue
		}
		v := ""
		switch c {
		case colUserGroups, colSourceIPs:
			l := f.lists[0]
			if c == colSourceIPs {
				l = f.lists[1]
			}
			v = fmt.Sprint(l)
		case colAnnotations:
			v = fmt.Sprint(f.ann)
		case colCode:
			v = fmt.Sprint(f.code)
		case colRequestReceived:
			v = fmt.Sprint(f.micros[0])
		case colStageTimestamp:
			v = fmt.Sprint(f.micros[1])
		default:
			v = f.str[c]
		}
		b = append(b, Columns[c].Name+"="+v)
	}
	return strings.Join(b, " ")
}

func TestExtract(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{`{"verb":"get","user":{"username":"a","groups":["x","y"],"uid":"u"},"responseStatus":{"code":403}}`,
			"verb=get user_username=a user_groups=[{x false} {y false}] user_uid=u response_status_code=403"},
		// Not exactly one valid JSON object (truncated, damaged, trailing text): no typed
		// column, not even those before the damage.
		{`verb="get"`, ""},
		{`["verb"]`, ""},
		{`{"verb":"get"} trailing`, ""},
		{`{"verb":"get","stage":"Resp`, ""},
		{`{"verb":"get","requestObject":{"a":[1,2,{"b":"c`, ""},
		{`{"verb":"get","requestObject":{"a":[1,,2]}}`, ""},
		{`{"verb":"get",,"level":"x"}`, ""},
		{`{verb:"get"}`, ""},
		{`  {"verb":"get"}  `, "verb=get"},
		// A value of another type than the column's is null; the first non-null occurrence of
		// a field wins, as in a query.
		{`{"verb":5,"stage":null,"stage":"ResponseComplete","level":"A","level":"B"}`, "stage=ResponseComplete level=A"},
		{`{"user":{"username":"a"},"user":{"username":"b","uid":"c"}}`, "user_username=a user_uid=c"},
		{`{"responseStatus":{"code":200.0}}`, ""},
		{`{"responseStatus":{"code":"200"}}`, ""},
		{`{"responseStatus":{"code":4294967296}}`, ""},
		{`{"sourceIPs":"10.0.0.1"}`, ""},
		{`{"sourceIPs":[]}`, "source_ips=[]"},
		{`{"sourceIPs":[null,1,true,{"a":1},"ip"]}`, `source_ips=[{ true} {1 false} {true false} {{"a":1} false} {ip false}]`},
		{`{"annotations":{"k":"v","n":1,"z":null}}`, "annotations=[{k {v false}} {n {1 false}} {z { true}}]"},
		{`{"verb":"g\u00e9t\n","requestURI":"/a\/b"}`, "verb=gét\n request_uri=/a/b"},
		{`{"user.username":"dotted","user":{"username":"nested","uid":"u"},"objectRef.name":"n","responseStatus.code":201}`,
			"user_username=dotted user_uid=u object_ref_name=n response_status_code=201"},
		// Timestamps: RFC 3339 with any fraction, and the forms with a space or no zone (UTC).
		{`{"requestReceivedTimestamp":"2021-08-11T09:00:16.124872Z","stageTimestamp":"2021-08-11T11:00:16.1248729+02:00"}`,
			"request_received_timestamp=1628672416124872 stage_timestamp=1628672416124872"},
		{`{"requestReceivedTimestamp":"2022-11-29 00:09:04.38","stageTimestamp":"yesterday"}`, "request_received_timestamp=1669680544380000"},
	} {
		var e extractor
		e.parse(c.msg)
		if got := show(&e.f); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.msg, got, c.want)
		}
	}
	// The extractor carries nothing from one message to the next, malformed or not.
	var e extractor
	for _, m := range []string{`{"verb":"get","user":{"groups":["a"]`, `{"level":"Metadata"}`} {
		e.parse(m)
	}
	if got := show(&e.f); got != "level=Metadata" {
		t.Errorf("after a malformed message: %s", got)
	}
}

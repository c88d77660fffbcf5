package ogc

import (
	"encoding/json"
	"html/template"
	"net/http"
	"sort"

	"github.com/paulmach/orb/geojson"
)

// The HTML pages (/req/html/definition, /req/html/content) show a
// resource's links and content; feature pages show a table of properties.
var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
</head><body><h1>{{.Title}}</h1>
{{if .Links}}<ul>{{range .Links}}<li><a href="{{.Href}}" rel="{{.Rel}}">{{.Rel}}{{if .Title}}: {{.Title}}{{end}}</a> ({{.Type}})</li>{{end}}</ul>{{end}}
{{if .Features}}<table><tr><th>id</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}
{{if .Body}}<pre>{{.Body}}</pre>{{end}}
</body></html>`))

type htmlPage struct {
	Title    string
	Links    []link
	Body     string
	Features bool
	Columns  []string
	Rows     [][]any
}

func writeHTML(w http.ResponseWriter, r *http.Request, title string, doc map[string]any) error {
	p := htmlPage{Title: title}
	if l, ok := doc["links"].([]link); ok {
		p.Links = l
	}
	rest := map[string]any{}
	for k, v := range doc {
		if k != "links" {
			rest[k] = v
		}
	}
	b, err := json.MarshalIndent(rest, "", "  ")
	if err != nil {
		return err
	}
	p.Body = string(b)
	return render(w, r, p)
}

func writeFeaturesHTML(w http.ResponseWriter, r *http.Request, c *collection, doc map[string]any, feats []*geojson.Feature) error {
	p := htmlPage{Title: c.title, Features: true}
	if l, ok := doc["links"].([]link); ok {
		p.Links = l
	}
	if n, ok := doc["numberMatched"]; ok {
		b, _ := json.Marshal(map[string]any{"numberMatched": n, "numberReturned": doc["numberReturned"]})
		p.Body = string(b)
	}
	for _, pd := range c.props {
		p.Columns = append(p.Columns, pd.name)
	}
	sort.Strings(p.Columns)
	for _, f := range feats {
		row := []any{f.ID}
		for _, col := range p.Columns {
			row = append(row, f.Properties[col])
		}
		p.Rows = append(p.Rows, row)
	}
	return render(w, r, p)
}

func render(w http.ResponseWriter, r *http.Request, p htmlPage) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return nil
	}
	return pageTmpl.Execute(w, p)
}

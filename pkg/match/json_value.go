package match

// jsonStringify renders a List or Map as compact JSON. (Placeholder until json_flatten.go lands.)
func jsonStringify(v Value) string { return "" }

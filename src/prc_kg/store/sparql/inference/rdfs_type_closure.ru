# title: Subclass closure of every asserted type (an update, applied until nothing changes)
# answer: adds ?x a ?super for every named superclass of a type of ?x, owl:Thing aside
# The closure of the class hierarchy is computed once, in the subquery (a few thousand pairs), and
# then joined to the typed nodes; written as `?x a ?c . ?c rdfs:subClassOf+ ?super` the path was walked
# again for every type triple, 2.6× slower at 10M triples (benchmarks/README.md, issue 15, storage).

PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?x a ?super } WHERE {
  {
    SELECT DISTINCT ?c ?super WHERE {
      ?c rdfs:subClassOf+ ?super .
      FILTER(isIRI(?super) && ?super != owl:Thing)
    }
  }
  ?x a ?c .
  FILTER NOT EXISTS { ?x a ?super }
}

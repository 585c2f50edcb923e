# title: Subclass closure of every asserted type (an update, applied until nothing changes)
# answer: adds ?x a ?super for every named superclass of a type of ?x, owl:Thing aside

PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?x a ?super } WHERE {
  ?x a ?c . ?c rdfs:subClassOf+ ?super .
  FILTER(isIRI(?super) && ?super != owl:Thing)
  FILTER NOT EXISTS { ?x a ?super }
}

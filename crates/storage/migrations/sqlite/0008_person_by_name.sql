-- The built-in test login lists persons by name: an index keeps that page instant however many
-- persons the register holds.
CREATE INDEX person_by_name ON person (family_name, given_name);

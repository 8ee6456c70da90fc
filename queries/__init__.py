"""Page read models: the queries behind one page each, named like layouts/ and callbacks/."""

"""The territory shared by the features: communes (by INSEE code) and their quartiers, read
through `services`; features never query these tables themselves."""

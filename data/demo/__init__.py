"""The synthetic demo city: geography, weather, events and sensor readings."""

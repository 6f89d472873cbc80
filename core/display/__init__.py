"""What every screen shows alike: display rules over the contract's views, and all texts."""

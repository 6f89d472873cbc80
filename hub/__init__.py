"""Head office: the hub that applies every site's group feed once and in order, and the
group dashboard that shows the sites side by side."""

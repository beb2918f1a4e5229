"""One module per figure of the lecture: its protocol, defaults, paper values and result tables."""

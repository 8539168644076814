"""Curation: a person's hand in the data (labeling corrections: `make label-sample`,
`make label-apply`) and the EDA notebook kept runnable (`make eda`, `strip-notebooks`)."""

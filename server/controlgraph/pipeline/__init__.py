"""The write pipeline: a build (load -> validate -> reason -> store) and the commit of an imported dataset."""

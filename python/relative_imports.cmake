# protoc writes "import blob_pb2 as ..." for the schema's own imports; inside
# the package strata.proto they must be relative. cmake -DDIR=<folder> -P this.
file(GLOB files ${DIR}/*_pb2.py)
foreach(file ${files})
  file(READ ${file} text)
  string(REGEX REPLACE "\nimport ([a-z]+_pb2)" "\nfrom . import \\1" text "${text}")
  file(WRITE ${file} "${text}")
endforeach()

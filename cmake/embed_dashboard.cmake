# Assembles tick-ws's dashboard into one page: web/index.html with its style,
# its script and the charting library (from npm) written in where the page
# marks them. Run by the build: cmake -DWEB=dir -DLIBRARY=file -DOUT=file -P this.
cmake_policy(VERSION 3.25)
file(READ ${WEB}/index.html page)
file(READ ${WEB}/app.css style)
file(READ ${WEB}/app.js script)
file(READ ${LIBRARY} library)
string(REPLACE "/*tick:style*/" "${style}" page "${page}")
string(REPLACE "/*tick:library*/" "${library}" page "${page}")
string(REPLACE "/*tick:script*/" "${script}" page "${page}")
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})

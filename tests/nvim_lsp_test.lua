-- Run by tests/nvim_lsp_test.py: Neovim (headless, no user config) as a real
-- LSP client of `migrasafe lsp`. Opens $MIGRATION, waits for its diagnostics,
-- hovers the statement at $HOVER_LINE, applies the first quick fix offered
-- on that line, saves, and writes what it saw to $REPORT as JSON.
local function fail(message)
  io.stderr:write("nvim_lsp_test: " .. message .. "\n")
  vim.cmd("cquit 1")
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("MIGRATION")))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "migrasafe",
    cmd = { os.getenv("MIGRASAFE"), "lsp" },
    root_dir = os.getenv("WORKSPACE"),
  })
  if not client_id then return fail("the server did not start") end
  vim.lsp.buf_attach_client(buf, client_id)
  local client = vim.lsp.get_client_by_id(client_id)

  if not vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20) then
    return fail("no diagnostics within 20 s")
  end
  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(diagnostics, { code = d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code,
                                line = d.lnum, column = d.col, severity = d.severity, message = d.message })
  end

  local line = tonumber(os.getenv("HOVER_LINE"))
  local position = { line = line, character = 0 }
  local hover = client.request_sync("textDocument/hover",
    { textDocument = vim.lsp.util.make_text_document_params(buf), position = position }, 10000, buf)
  if not hover or hover.err or not hover.result then return fail("no hover: " .. vim.inspect(hover)) end

  local lsp_diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf, { lnum = line })) do
    table.insert(lsp_diagnostics, d.user_data and d.user_data.lsp or {})
  end
  local actions = client.request_sync("textDocument/codeAction", {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    range = { start = position, ["end"] = { line = line, character = 1 } },
    context = { diagnostics = lsp_diagnostics, only = { "quickfix" } },
  }, 10000, buf)
  if not actions or actions.err or not actions.result then return fail("no code actions: " .. vim.inspect(actions)) end
  local applied
  for _, action in ipairs(actions.result) do
    if action.edit and not action.title:match("^Suppress") then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
      applied = action.title
      break
    end
  end
  if not applied then return fail("no quick fix among " .. vim.inspect(actions.result)) end
  vim.cmd("write")

  local report = {
    diagnostics = diagnostics,
    hover = hover.result.contents.value,
    applied = applied,
    buffer = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n"),
  }
  local file = io.open(os.getenv("REPORT"), "w")
  file:write(vim.fn.json_encode(report))
  file:close()
  vim.lsp.stop_client(client_id)
  vim.cmd("qall!")
end)
if not ok then fail(tostring(err)) end
